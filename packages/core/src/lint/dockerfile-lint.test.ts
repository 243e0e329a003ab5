import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectBaseReferences, collectLockReferences } from '../lock/lock.js';
import { EMPTY_LOCK } from '../lock/lock-file.js';
import { normalizeSpec } from '../spec/normalize.js';
import { lintSpecs } from './lint.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imagespec-dockerfile-lint-'));
  await writeFile(
    join(dir, 'Dockerfile'),
    `FROM python AS build\nFROM alpine:3.20\nCOPY --from=build /x /x\nCOPY --from=busybox:1.36@sha256:${'a'.repeat(64)} /bin/sh /sh\nADD https://127.0.0.1/tool.tgz /tool.tgz\n`,
  );
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const web = () => normalizeSpec({ name: 'web', dockerfile: 'Dockerfile' }, { dir, file: join(dir, 'imagespec.yaml') });

// Issue 12: the Dockerfile rules, through lintSpecs (file:line), and what lock pins.
describe('a Dockerfile spec in lint and lock', () => {
  it('lints its Dockerfile at its lines, and not its scratch base', async () => {
    const warnings = await lintSpecs([web()], { lock: EMPTY_LOCK });
    expect(warnings.map(({ rule, file, line }) => `${file}:${line} ${rule}`)).toEqual([
      `${join(dir, 'Dockerfile')}:1 dockerfile-mutable-base`,
      `${join(dir, 'Dockerfile')}:2 dockerfile-unlocked-base`,
      `${join(dir, 'Dockerfile')}:5 dockerfile-add-url`,
    ]);
    const locked = await lintSpecs([web()], {
      lock: {
        ...EMPTY_LOCK,
        images: {
          'docker.io/library/python:latest': { digest: `sha256:${'b'.repeat(64)}` },
          'docker.io/library/alpine:3.20': { digest: `sha256:${'c'.repeat(64)}` },
        },
      },
    });
    expect(locked.map(({ rule }) => rule)).toEqual(['dockerfile-add-url']);
  });

  it('lock pins the images its Dockerfile pulls (not by digest), and a layered spec’s through its base', async () => {
    const layered = normalizeSpec({ name: 'app', baseImage: { name: 'web', dockerfile: 'Dockerfile' } }, { dir });
    expect(collectBaseReferences([web()])).toEqual([]);
    expect(await collectLockReferences([layered])).toEqual([
      'docker.io/library/alpine:3.20',
      'docker.io/library/python:latest',
    ]);
  });
});
