import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { testSpec } from '../../test/test-spec.js';
import type { ResolvedImageSpec } from '../contract/spec.js';
import { isImagespecError } from '../errors.js';
import { createLockResolver } from './base-resolver.js';
import { checkLock, collectBaseReferences, computeLock } from './lock.js';
import { EMPTY_LOCK, parseLockFile, readLockFile, writeLockFile } from './lock-file.js';

const d = (c: string) => `sha256:${c.repeat(64)}`;

const spec = (name: string, baseImage: string | ResolvedImageSpec) => testSpec({ name, baseImage });

/** A digest source answering from a table: the registry-backed path is covered in the policy e2e test. */
function digests(table: Record<string, string>) {
  return {
    resolveDigest: async (reference: string) => table[reference] ?? Promise.reject(new Error(`no ${reference}`)),
  };
}

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('lock', () => {
  it('collects string bases through base specs, normalized, without digests', () => {
    const base = spec('base', 'python:3.11');
    expect(collectBaseReferences([base, spec('app', base), spec('x', `busybox@${d('b')}`)])).toEqual([
      'docker.io/library/python:3.11',
    ]);
  });

  it('writes, reads back and resolves FROM to name@digest', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'imagespec-lock-'));
    dirs.push(dir);
    const lock = await computeLock(
      [spec('app', 'python:3.11')],
      digests({ 'docker.io/library/python:3.11': d('1') }),
      EMPTY_LOCK,
    );
    await writeLockFile(dir, lock);
    expect(JSON.parse(await readFile(join(dir, 'imagespec.lock.json'), 'utf8'))).toEqual({
      version: 1,
      images: { 'docker.io/library/python:3.11': { digest: d('1') } },
    });
    const resolve = createLockResolver(await readLockFile(dir));
    expect(resolve('python:3.11')).toBe(`docker.io/library/python:3.11@${d('1')}`);
    expect(resolve('python:3.12')).toBe('python:3.12');
  });

  it('check reports missing and stale entries', async () => {
    const specs = [spec('a', 'python:3.11'), spec('b', 'busybox:1')];
    const lock = { version: 1 as const, images: { 'docker.io/library/python:3.11': { digest: d('1') } } };
    const problems = await checkLock(
      specs,
      digests({ 'docker.io/library/python:3.11': d('2'), 'docker.io/library/busybox:1': d('3') }),
      lock,
    );
    expect(problems).toEqual([
      { reference: 'docker.io/library/busybox:1', problem: 'missing' },
      { reference: 'docker.io/library/python:3.11', problem: 'stale', locked: d('1'), current: d('2') },
    ]);
  });

  it('rejects a malformed lock file with the file name and a fix', () => {
    try {
      parseLockFile('{"version":1,"images":{"x":{"digest":"nope"}}}', '/p/imagespec.lock.json');
      expect.unreachable();
    } catch (error) {
      expect(isImagespecError(error) && error.code).toBe('LOCK_INVALID');
      expect((error as Error).message).toContain('/p/imagespec.lock.json');
    }
  });
});
