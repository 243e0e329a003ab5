// A spec without a registry: loaded into the local engine, or written as an OCI layout without one.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { testEnv } from '@imagespec/test-env';
import { describe, expect, it } from 'vitest';
import { docker, makeProject, resolveSpec, runEngine, uniqueName } from '../test/e2e-harness.js';

describe('builder-oci without a registry', () => {
  it('loads the image into the engine, which runs it', async () => {
    const { baseImages } = testEnv();
    const dir = await makeProject({ 'hello.txt': 'loaded\n' });
    const spec = resolveSpec(
      {
        name: uniqueName('local'),
        baseImage: baseImages.busybox,
        copy: ['hello.txt'],
        cmd: ['cat', '/root/hello.txt'],
      },
      dir,
    );
    const { summary, events } = await runEngine([spec]);
    const built = summary.images[0]!;
    expect(built).toMatchObject({ status: 'built', builder: 'oci' });
    try {
      expect(events.some((e) => e.type === 'log' && e.line.includes('loaded into the engine at unix://'))).toBe(true);
      expect(docker('run', '--rm', '--network', 'none', built.image)).toBe('loaded\n');
      // The engine's existence check: a second run finds it there.
      const again = await runEngine([spec]);
      expect(again.summary.images[0]).toMatchObject({ status: 'skipped' });
    } finally {
      docker('rmi', '-f', built.image);
    }
  });

  it('writes an OCI layout when there is no engine, and says so', async () => {
    const { baseImages } = testEnv();
    const dir = await makeProject({ 'hello.txt': 'layout\n' });
    const name = uniqueName('layout');
    const { summary, events } = await runEngine(
      [resolveSpec({ name, baseImage: baseImages.busybox, copy: ['hello.txt'] }, dir)],
      { builder: { engine: false, layoutDir: join(dir, 'oci') } },
    );
    const built = summary.images[0]!;
    expect(built).toMatchObject({ status: 'built', builder: 'oci' });
    const line = events.find((e) => e.type === 'log' && e.line.includes('written as an OCI layout at'));
    expect(line).toBeDefined();
    const layout = join(dir, 'oci', built.image.replace(/[^\w.-]+/g, '_'));
    const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8'));
    expect(index.manifests[0].digest).toBe(built.digest);
    const manifest = JSON.parse(await readFile(join(layout, 'blobs/sha256', built.digest!.slice(7)), 'utf8'));
    for (const blob of [manifest.config, ...manifest.layers]) {
      expect((await stat(join(layout, 'blobs/sha256', blob.digest.slice(7)))).size).toBe(blob.size);
    }
  });
});
