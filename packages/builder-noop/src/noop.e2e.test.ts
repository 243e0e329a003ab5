// noop through the real engine, registry check included (the open test registry on 127.0.0.1).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { normalizeSpec } from '@imagespec/core/spec';
import { runWithBuilder } from '@imagespec/core/testing';
import { testEnv } from '@imagespec/test-env';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import noop from './index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imagespec-noop-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('noop in the engine', () => {
  it('reports the base image as the image, built and not pushed', async () => {
    const { host } = testEnv().registry;
    const base = `${host}/imagespec-test/busybox:1`;
    const spec = normalizeSpec({ name: 'imagespec-noop-test/as-is', registry: host, baseImage: base }, { dir });
    const { summary, events } = await runWithBuilder(noop, [spec]);
    expect(summary.images).toEqual([
      expect.objectContaining({ name: 'imagespec-noop-test/as-is', image: base, status: 'built', builder: 'noop' }),
    ]);
    expect(events.map((e) => e.type)).toEqual(['queued', 'building', 'log', 'built']);
  });

  it('fails a spec it would change, saying what it would drop', async () => {
    const spec = normalizeSpec({ name: 'with-packages', baseImage: 'busybox:1', packages: ['numpy'] }, { dir });
    const { summary } = await runWithBuilder(noop, [spec]);
    expect(summary.images[0]?.error?.code).toBe('BUILDER_UNAVAILABLE');
    expect(summary.images[0]?.error?.message).toContain(
      'noop (priority 0, inline): does not support this spec: noop uses the base image as is and would drop packages (numpy)',
    );
  });
});
