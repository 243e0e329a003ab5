import { lstat, mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isImagespecError } from '@imagespec/core';
import { pack } from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { extractTar } from './extract.js';

type Entry = {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link';
  mode?: number;
  body?: string;
  linkname?: string;
};

function tarOf(entries: readonly Entry[]): NodeJS.ReadableStream {
  const p = pack();
  for (const { body, ...header } of entries) p.entry({ mtime: new Date(0), ...header }, body ?? '');
  p.finalize();
  return p as unknown as NodeJS.ReadableStream;
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imagespec-bk-extract-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('extractTar', () => {
  it('writes files with their mode, folders, symlinks (not followed) and hard links', async () => {
    await extractTar(
      tarOf([
        { name: 'Dockerfile', body: 'FROM scratch\n' },
        { name: '_imagespec/', type: 'directory' },
        { name: '_imagespec/copy/0/run.sh', body: '#!/bin/sh\n', mode: 0o755 },
        { name: '_imagespec/source/link', type: 'symlink', linkname: '../../etc/passwd' },
        { name: '_imagespec/source/same', type: 'link', linkname: 'Dockerfile' },
        { name: 'big.bin', body: 'x'.repeat(70_000) },
      ]),
      join(dir, 'ctx'),
    );
    const ctx = join(dir, 'ctx');
    expect((await readdir(ctx)).sort()).toEqual(['Dockerfile', '_imagespec', 'big.bin']);
    expect(await readFile(join(ctx, 'Dockerfile'), 'utf8')).toBe('FROM scratch\n');
    expect((await lstat(join(ctx, '_imagespec/copy/0/run.sh'))).mode & 0o777).toBe(0o755);
    expect(await readlink(join(ctx, '_imagespec/source/link'))).toBe('../../etc/passwd');
    expect(await readFile(join(ctx, '_imagespec/source/same'), 'utf8')).toBe('FROM scratch\n');
    expect((await readFile(join(ctx, 'big.bin'))).length).toBe(70_000);
  });

  it('refuses entries that would land outside the folder', async () => {
    const error = await extractTar(tarOf([{ name: '../escape', body: 'x' }]), join(dir, 'ctx')).catch(
      (e: unknown) => e,
    );
    expect(isImagespecError(error)).toBe(true);
    expect((error as Error).message).toContain('outside its root: ../escape');
    expect(await readdir(dir)).toEqual(['ctx']);
  });

  it('refuses to write through a symlink it made', async () => {
    const error = await extractTar(
      tarOf([
        { name: 'out', type: 'symlink', linkname: dir },
        { name: 'out/planted', body: 'x' },
      ]),
      join(dir, 'ctx'),
    ).catch((e: unknown) => e);
    expect((error as Error).message).toContain('below a symlink: out/planted');
    expect(await readdir(dir)).toEqual(['ctx']);
  });

  it('stops when the signal aborts', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      extractTar(tarOf([{ name: 'a', body: 'x' }]), join(dir, 'ctx'), controller.signal),
    ).rejects.toMatchObject({
      name: 'AbortError',
    });
  });
});
