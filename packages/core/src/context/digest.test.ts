import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rename, rm, symlink, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isImagespecError } from '../errors.js';
import { digestRecords, digestTree, type FileDigest, sha256File } from './digest.js';
import { HashPool } from './hash-workers.js';

const HELLO_SHA256 = '5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03'; // sha256("hello\n")
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'imagespec-digest-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function put(path: string, content = '', mode = 0o644) {
  await mkdir(dirname(join(root, path)), { recursive: true });
  await writeFile(join(root, path), content);
  await chmod(join(root, path), mode);
}

async function sampleTree() {
  await put('app/main.py', 'hello\n');
  await put('bin/run', '#!/bin/sh\n', 0o755);
  await mkdir(join(root, 'empty'));
  await symlink('app/main.py', join(root, 'main-link'));
}

describe('digestRecords', () => {
  it('is pinned: changing the framing changes every tag (a new hash `v`)', () => {
    const records: FileDigest[] = [
      { path: 'a', mode: 'dir' },
      { path: 'a/x.py', mode: 'file', sha256: HELLO_SHA256 },
      { path: 'run', mode: 'exec', sha256: HELLO_SHA256 },
      { path: 'link', mode: 'symlink', linkTarget: 'a/x.py' },
    ];
    const framed = `imagespec-tree/1\0dir\0a\0\0file\0a/x.py\0${HELLO_SHA256}\0exec\0run\0${HELLO_SHA256}\0symlink\0link\0a/x.py\0`;
    expect(digestRecords(records)).toBe(sha256(framed));
    expect(digestRecords(records)).toMatchInlineSnapshot(
      `"f5181262552f957b098099fe9eccb21e0442bd23854784b319e374e7277ab4dd"`,
    );
  });

  it('frames fields so that moving bytes between path and target gives another digest', () => {
    const a = digestRecords([{ path: 'x', mode: 'symlink', linkTarget: 'y/z' }]);
    const b = digestRecords([{ path: 'x/y', mode: 'symlink', linkTarget: 'z' }]);
    const c = digestRecords([
      { path: 'x', mode: 'symlink', linkTarget: '' },
      { path: 'y', mode: 'dir' },
    ]);
    expect(new Set([a, b, c, digestRecords([])]).size).toBe(4);
  });
});

describe('digestTree', () => {
  it('records (path, exec bit, symlink target or content sha256) in walk order, dirs included', async () => {
    await sampleTree();
    const tree = await digestTree(root);
    expect(tree.files).toEqual([
      { path: 'app', mode: 'dir' },
      { path: 'app/main.py', mode: 'file', sha256: HELLO_SHA256 },
      { path: 'bin', mode: 'dir' },
      { path: 'bin/run', mode: 'exec', sha256: sha256('#!/bin/sh\n') },
      { path: 'empty', mode: 'dir' },
      { path: 'main-link', mode: 'symlink', linkTarget: 'app/main.py' },
    ]);
    expect(tree.digest).toBe(digestRecords(tree.files));
  });

  it('does not depend on where the tree lives, mtimes, or permission bits other than exec', async () => {
    await sampleTree();
    const before = (await digestTree(root)).digest;
    await utimes(join(root, 'app/main.py'), new Date(2001, 1, 1), new Date(2001, 1, 1));
    await chmod(join(root, 'app/main.py'), 0o600);
    await chmod(join(root, 'bin/run'), 0o700);
    expect((await digestTree(root)).digest).toBe(before);
    const moved = `${root}-moved`;
    await rename(root, moved);
    try {
      expect((await digestTree(moved)).digest).toBe(before);
    } finally {
      await rename(moved, root);
    }
  });

  it.each([
    ['the content changes', () => writeFile(join(root, 'app/main.py'), 'hello!\n')],
    ['the exec bit changes', () => chmod(join(root, 'app/main.py'), 0o744)],
    ['a path changes', () => rename(join(root, 'app/main.py'), join(root, 'app/main2.py'))],
    [
      'a symlink target changes',
      () => unlink(join(root, 'main-link')).then(() => symlink('bin/run', join(root, 'main-link'))),
    ],
    ['an empty dir is added', () => mkdir(join(root, 'empty2'))],
    ['an empty file is added', () => writeFile(join(root, 'empty/x'), '')],
  ])('changes when %s', async (_what, change) => {
    await sampleTree();
    const before = (await digestTree(root)).digest;
    await change();
    expect((await digestTree(root)).digest).not.toBe(before);
  });

  it('ignores what .dockerignore leaves out, and .git', async () => {
    await sampleTree();
    const before = (await digestTree(root)).digest;
    await put('.dockerignore', 'build\n');
    const withIgnoreFile = (await digestTree(root)).digest;
    expect(withIgnoreFile).not.toBe(before); // the .dockerignore itself is part of the context
    await put('build/out.o', 'x');
    await put('.git/HEAD', 'ref: refs/heads/main\n');
    expect((await digestTree(root)).digest).toBe(withIgnoreFile);
  });

  it('hashes a large tree in workers to the same records as computed independently', async () => {
    const expected: FileDigest[] = [];
    for (let i = 0; i < 300; i++) {
      const path = `f${String(i).padStart(3, '0')}.txt`;
      const content = `file ${i}\n`.repeat(i);
      await put(path, content, i % 7 === 0 ? 0o755 : 0o644);
      expected.push({ path, mode: i % 7 === 0 ? 'exec' : 'file', sha256: sha256(content) });
    }
    await put('big.bin', 'x'.repeat(3 * 1024 * 1024 + 5));
    expected.unshift({ path: 'big.bin', mode: 'file', sha256: sha256('x'.repeat(3 * 1024 * 1024 + 5)) });
    const tree = await digestTree(root);
    expect(tree.files).toEqual(expected);
    expect(tree.digest).toBe(digestRecords(expected));
  });

  it('digests a single file under its basename', async () => {
    await put('requirements.txt', 'hello\n');
    expect(await digestTree(join(root, 'requirements.txt'))).toEqual({
      digest: digestRecords([{ path: 'requirements.txt', mode: 'file', sha256: HELLO_SHA256 }]),
      files: [{ path: 'requirements.txt', mode: 'file', sha256: HELLO_SHA256 }],
      excluded: [],
    });
  });

  it('digests a large single file given through a symlink (hashed in workers)', async () => {
    const content = 'y'.repeat(33 * 1024 * 1024);
    await put('model.bin', content);
    await symlink('model.bin', join(root, 'model-link.bin'));
    const files = [{ path: 'model-link.bin', mode: 'file', sha256: sha256(content) }];
    expect(await digestTree(join(root, 'model-link.bin'))).toEqual({
      digest: digestRecords(files as FileDigest[]),
      files,
      excluded: [],
    });
  });

  it('reports what the ignore rules left out, per rule, without hashing it', async () => {
    await put('a.py', 'a');
    await put('__pycache__/a.cpython-312.pyc', 'x');
    await put('b.pyc', 'x');
    await put('c.log', 'x');
    await put('.gitignore', '*.log\n');
    const tree = await digestTree(root);
    expect(tree.files.map((file) => file.path)).toEqual(['.gitignore', 'a.py']);
    expect(tree.excluded).toEqual([
      { rule: 'built-in `__pycache__`', count: 1, paths: ['__pycache__/'] },
      { rule: 'built-in `*.pyc`', count: 1, paths: ['b.pyc'] },
      { rule: '.gitignore:1 `*.log`', count: 1, paths: ['c.log'] },
    ]);
  });

  it('refuses a FIFO given as a single file instead of waiting for a writer', { timeout: 5_000 }, async () => {
    execFileSync('mkfifo', [join(root, 'requirements.txt')]);
    await expect(digestTree(join(root, 'requirements.txt'))).rejects.toMatchObject({ code: 'FILE_NOT_REGULAR' });
    await expect(sha256File(join(root, 'requirements.txt'))).rejects.toMatchObject({ code: 'FILE_NOT_REGULAR' });
  });

  it('fails with FILE_NOT_FOUND naming a missing tree', async () => {
    const error = await digestTree(join(root, 'missing')).catch((e: unknown) => e);
    expect(isImagespecError(error) && error.code).toBe('FILE_NOT_FOUND');
    expect((error as Error).message).toContain(join(root, 'missing'));
  });

  it('rejects when aborted', async () => {
    await sampleTree();
    const controller = new AbortController();
    controller.abort();
    await expect(digestTree(root, { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });
});

const hashInPool = (files: Parameters<HashPool['add']>[0][]) => {
  const pool = new HashPool(undefined);
  for (const file of files) pool.add(file);
  return pool.finish();
};

describe('HashPool', () => {
  it('names a file that vanished since the walk', async () => {
    await put('a.txt', 'hello\n');
    const file = (name: string) => ({
      path: name,
      absPath: join(root, name),
      kind: 'file' as const,
      mode: 0o644,
      size: 6,
    });
    const error = await hashInPool([file('a.txt'), file('gone.txt')]).catch((e: unknown) => e);
    expect(isImagespecError(error) && error.code).toBe('FILE_NOT_FOUND');
    expect((error as Error).message).toContain(join(root, 'gone.txt'));
    expect(await hashInPool([file('a.txt')])).toEqual([HELLO_SHA256]);
  });

  it('gives every sum in order when much is left at finish (the workers it adds then share the rest)', async () => {
    const files = [];
    for (let i = 0; i < 600; i++) {
      await put(`f${i}.txt`, `${i}\n`.repeat(i % 50));
      files.push({ path: `f${i}.txt`, absPath: join(root, `f${i}.txt`), kind: 'file' as const, mode: 0o644, size: 1 });
    }
    const expected = files.map((_, i) =>
      createHash('sha256')
        .update(`${i}\n`.repeat(i % 50))
        .digest('hex'),
    );
    expect(await hashInPool(files)).toEqual(expected);
  });
});

describe('sha256File', () => {
  it('hashes contents and names a missing file', async () => {
    await put('a.txt', 'hello\n');
    expect(await sha256File(join(root, 'a.txt'))).toBe(HELLO_SHA256);
    await expect(sha256File(join(root, 'nope'))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });
});
