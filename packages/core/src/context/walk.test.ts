import { execFileSync } from 'node:child_process';
import { lstatSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isImagespecError } from '../errors.js';
import { statStamp } from './stat-stamp.js';
import { type ContextFile, compareBytes, walkFiles } from './walk.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'imagespec-walk-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function put(path: string, content = '', mode?: number) {
  await mkdir(dirname(join(root, path)), { recursive: true });
  await writeFile(join(root, path), content);
  if (mode !== undefined) await chmod(join(root, path), mode);
}

async function list(path = root, options = {}): Promise<ContextFile[]> {
  const files: ContextFile[] = [];
  for await (const file of walkFiles(path, options)) files.push(file);
  return files;
}

const paths = async (path?: string) => (await list(path)).map((file) => file.path);

describe('walkFiles', () => {
  it('lists every path in byte order, a directory’s contents right after `name/`', async () => {
    for (const path of ['a/b/x', 'a-c/z', 'a.txt', 'B.txt', 'é.txt', 'z', 'a/b0', 'a/b/y']) await put(path);
    expect(await paths()).toEqual([
      'B.txt',
      'a',
      'a-c',
      'a-c/z',
      'a.txt',
      'a/b',
      'a/b/x',
      'a/b/y',
      'a/b0',
      'z',
      'é.txt',
    ]);
    const listed = await paths();
    expect([...listed].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)))).toEqual(listed);
  });

  it('compares by UTF-8 bytes, not UTF-16 units', () => {
    // U+FF5E (3 UTF-8 bytes) sorts before U+1F600 (4 bytes); as UTF-16 the surrogate pair comes first.
    const names = ['\u{1F600}', '\uFF5E', 'a'];
    const sorted = [...names].sort(compareBytes);
    expect(sorted).toEqual([...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
    expect(sorted).toEqual(['a', '\uFF5E', '\u{1F600}']);
  });

  it('reports kinds, permission bits, sizes and symlink targets without following links', async () => {
    await put('bin/run.sh', '#!/bin/sh\n', 0o755);
    await put('data/file.txt', 'hello\n', 0o640);
    await mkdir(join(root, 'empty'));
    await symlink('data', join(root, 'link-to-dir'));
    await symlink('missing/target', join(root, 'dangling'));
    const byPath = Object.fromEntries((await list()).map((file) => [file.path, file]));
    expect(Object.keys(byPath)).toEqual([
      'bin',
      'bin/run.sh',
      'dangling',
      'data',
      'data/file.txt',
      'empty',
      'link-to-dir',
    ]);
    expect(byPath['bin/run.sh']).toMatchObject({ kind: 'file', mode: 0o755, size: 10 });
    expect(byPath['data/file.txt']).toMatchObject({
      kind: 'file',
      mode: 0o640,
      size: 6,
      absPath: join(root, 'data/file.txt'),
    });
    expect(byPath.empty).toMatchObject({ kind: 'dir', size: 0 });
    expect(byPath['link-to-dir']).toMatchObject({ kind: 'symlink', linkTarget: 'data' });
    expect(byPath.dangling).toMatchObject({ kind: 'symlink', linkTarget: 'missing/target' });
  });

  it('leaves out sockets, FIFOs and devices', async () => {
    await put('a.txt');
    execFileSync('mkfifo', [join(root, 'pipe')]);
    expect(await paths()).toEqual(['a.txt']);
  });

  it('lists a single file as its basename', async () => {
    await put('dir/requirements.txt', 'x==1\n', 0o600);
    expect(await list(join(root, 'dir/requirements.txt'))).toEqual([
      { path: 'requirements.txt', absPath: join(root, 'dir/requirements.txt'), kind: 'file', mode: 0o600, size: 5 },
    ]);
  });

  it('follows a symlink given as the root', async () => {
    await put('real/a.txt');
    await symlink('real', join(root, 'alias'));
    expect(await paths(join(root, 'alias'))).toEqual(['a.txt']);
  });

  it('applies .dockerignore and the built-in rules', async () => {
    await put('.dockerignore', 'build\n*.log\ndocs\n!docs/keep.md\n');
    for (const path of ['build/out.o', 'app.log', 'src/app.log', 'docs/a.md', 'docs/keep.md', 'src/main.py']) {
      await put(path);
    }
    await put('.git/HEAD');
    await put('vendor/lib/.git/config');
    expect(await paths()).toEqual([
      '.dockerignore',
      'docs/keep.md', // re-included; its ignored parent is not listed (as Docker's own context)
      'src',
      'src/app.log',
      'src/main.py',
      'vendor',
      'vendor/lib',
    ]);
  });

  it('reads the given ignore file instead of the root .dockerignore (a Dockerfile spec with <Dockerfile>.dockerignore)', async () => {
    await put('.dockerignore', 'a.txt\n');
    await put('build/Dockerfile.dockerignore', 'b.txt\n');
    await put('a.txt');
    await put('b.txt');
    const excluded: string[] = [];
    const files = await list(root, {
      dockerignore: join(root, 'build/Dockerfile.dockerignore'),
      onExcluded: (entry: { path: string; rule: string }) => excluded.push(`${entry.path} ${entry.rule}`),
    });
    expect(files.map((file) => file.path)).toEqual([
      '.dockerignore',
      'a.txt',
      'build',
      'build/Dockerfile.dockerignore',
    ]);
    expect(excluded).toEqual(['b.txt Dockerfile.dockerignore:1 `b.txt`']);
  });

  it('gives files the stat cache stamp of the lstat it listed them with, only when asked', async () => {
    await put('dir/a.txt', 'hello\n', 0o640);
    await symlink('a.txt', join(root, 'dir/link'));
    const stamped = await list(root, { stamps: true });
    expect(stamped.map((file) => [file.path, file.stamp])).toEqual([
      ['dir', undefined],
      ['dir/a.txt', statStamp(lstatSync(join(root, 'dir/a.txt')))],
      ['dir/link', undefined],
    ]);
    expect(stamped[1]!.stamp).toMatch(/^6:[\d.]+:[\d.]+:\d+:\d+:33184$/);
    expect((await list()).some((file) => file.stamp !== undefined)).toBe(false);
  });

  it('fails with FILE_NOT_FOUND naming a missing path', async () => {
    const missing = join(root, 'nope');
    const error = await list(missing).catch((e: unknown) => e);
    expect(isImagespecError(error) && error.code).toBe('FILE_NOT_FOUND');
    expect((error as Error).message).toContain(missing);
  });

  it('stops when the signal is aborted', async () => {
    await put('a/x');
    await put('b/y');
    const controller = new AbortController();
    const seen: string[] = [];
    const error = await (async () => {
      for await (const file of walkFiles(root, { signal: controller.signal })) {
        seen.push(file.path);
        controller.abort();
      }
    })().catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    expect(seen).toEqual(['a']);
  });
});
