import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, symlink, truncate, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import tarStream from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testSpec } from '../../test/test-spec.js';
import type { ResolvedImageSpec } from '../contract/spec.js';
import { type ImagespecError, isImagespecError } from '../errors.js';
import { computeImageIdentity } from '../hash/identity.js';
import { createContextStream } from './tar.js';
import type { ExpectedContext } from './tar-verify.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'imagespec-tar-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function put(path: string, content: string | Buffer = '', mode = 0o644) {
  await mkdir(dirname(join(root, path)), { recursive: true });
  await writeFile(join(root, path), content);
  await chmod(join(root, path), mode);
}

function spec(fields: Partial<ResolvedImageSpec>): ResolvedImageSpec {
  return testSpec({ baseImage: 'localhost:5000/base:1', origin: { dir: root }, ...fields });
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

interface Entry {
  name: string;
  type: string;
  mode: number;
  size: number;
  mtime: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  linkname?: string | null;
  body: string;
}

async function entries(tar: Buffer): Promise<Entry[]> {
  const extract = tarStream.extract();
  const result: Entry[] = [];
  const done = (async () => {
    for await (const entry of extract) {
      const body = await collect(entry as unknown as Readable);
      const h = entry.header;
      result.push({
        name: h.name,
        type: h.type,
        mode: h.mode,
        size: h.size,
        mtime: h.mtime.getTime(),
        uid: h.uid,
        gid: h.gid,
        uname: h.uname,
        gname: h.gname,
        ...(h.linkname && { linkname: h.linkname }),
        body: body.toString(),
      });
    }
  })();
  extract.end(tar);
  await done;
  return result;
}

async function projectSpec() {
  await put('proj/requirements.txt', 'numpy==2.0.0\n');
  await put('proj/src/main.py', 'print(1)\n', 0o600);
  await put('proj/src/run.sh', '#!/bin/sh\n', 0o700);
  await put('proj/src/.dockerignore', '*.log\n');
  await put('proj/src/debug.log', 'noise');
  await put('proj/src/.git/HEAD', 'ref: x\n');
  await mkdir(join(root, 'proj/src/empty'));
  await symlink('main.py', join(root, 'proj/src/link.py'));
  await put('proj/conf/app.toml', 'a = 1\n');
  await put('proj/single.txt', 'one\n', 0o755);
  return spec({
    requirements: { path: join(root, 'proj/requirements.txt'), kind: 'requirements.txt' },
    copy: [
      { src: join(root, 'proj/conf'), dest: '/etc/app' },
      { src: join(root, 'proj/single.txt'), dest: '/opt/single.txt' },
    ],
    sourceRoot: join(root, 'proj/src'),
  });
}

describe('createContextStream', () => {
  it('writes the requirements file as 0644 whatever its exec bit: only its bytes are in the tag', async () => {
    const project = await projectSpec();
    await chmod(join(root, 'proj/requirements.txt'), 0o755);
    const listing = await entries(await collect(createContextStream(project, 'FROM scratch\n')));
    expect(listing.find((e) => e.name === '_imagespec/requirements/requirements.txt')?.mode.toString(8)).toBe('644');
  });

  it('writes the Dockerfile, then the layout’s entries in byte order, with fixed metadata', async () => {
    const listing = await entries(await collect(createContextStream(await projectSpec(), 'FROM scratch\n')));
    expect(listing.map((e) => [e.name, e.type, e.mode.toString(8), e.linkname ?? e.body])).toEqual([
      ['Dockerfile', 'file', '644', 'FROM scratch\n'],
      ['_imagespec/', 'directory', '755', ''],
      ['_imagespec/copy/', 'directory', '755', ''],
      ['_imagespec/copy/0/', 'directory', '755', ''],
      ['_imagespec/copy/0/conf/', 'directory', '755', ''],
      ['_imagespec/copy/0/conf/app.toml', 'file', '644', 'a = 1\n'],
      ['_imagespec/copy/1/', 'directory', '755', ''],
      ['_imagespec/copy/1/single.txt', 'file', '755', 'one\n'],
      ['_imagespec/requirements/', 'directory', '755', ''],
      ['_imagespec/requirements/requirements.txt', 'file', '644', 'numpy==2.0.0\n'],
      ['_imagespec/source/', 'directory', '755', ''],
      ['_imagespec/source/.dockerignore', 'file', '644', '*.log\n'],
      ['_imagespec/source/empty/', 'directory', '755', ''],
      ['_imagespec/source/link.py', 'symlink', '777', 'main.py'],
      ['_imagespec/source/main.py', 'file', '644', 'print(1)\n'],
      ['_imagespec/source/run.sh', 'file', '755', '#!/bin/sh\n'],
    ]);
    for (const e of listing) {
      expect({ mtime: e.mtime, uid: e.uid, gid: e.gid, uname: e.uname, gname: e.gname }).toEqual({
        mtime: 0,
        uid: 0,
        gid: 0,
        uname: '',
        gname: '',
      });
    }
  });

  it('is read the same way by GNU tar', async () => {
    const tar = await collect(createContextStream(await projectSpec(), 'FROM scratch\n'));
    const listed = spawnSync('tar', ['-tf', '-'], { input: tar, encoding: 'utf8' });
    expect(listed.status).toBe(0);
    expect(listed.stdout.split('\n').filter(Boolean)).toEqual((await entries(tar)).map((e) => e.name));
  });

  it('gives byte-identical output for the same inputs, whatever the mtimes and non-exec permission bits', async () => {
    const s = await projectSpec();
    const first = await collect(createContextStream(s, 'FROM scratch\n'));
    expect((await collect(createContextStream(s, 'FROM scratch\n'))).equals(first)).toBe(true);
    await utimes(join(root, 'proj/src/main.py'), new Date(2010, 0, 1), new Date(2010, 0, 1));
    await chmod(join(root, 'proj/src/main.py'), 0o664);
    expect((await collect(createContextStream(s, 'FROM scratch\n'))).equals(first)).toBe(true);
    await chmod(join(root, 'proj/src/main.py'), 0o764);
    expect((await collect(createContextStream(s, 'FROM scratch\n'))).equals(first)).toBe(false);
  });

  it('keeps names sorted with ten or more copy entries', async () => {
    const copy = [];
    for (let i = 0; i < 12; i++) {
      await put(`c${i}/f.txt`, `${i}`);
      copy.push({ src: join(root, `c${i}`), dest: `/c${i}` });
    }
    const names = (await entries(await collect(createContextStream(spec({ copy }), 'FROM scratch\n')))).map(
      (e) => e.name,
    );
    expect(names).toEqual([...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
    expect(names).toContain('_imagespec/copy/11/c11/f.txt');
  });

  it('streams large files and gzips deterministically on request', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    await put('src/big.bin', big);
    const s = spec({ sourceRoot: join(root, 'src') });
    const plain = await collect(createContextStream(s, 'FROM scratch\n'));
    const gz = await collect(createContextStream(s, 'FROM scratch\n', { gzip: true }));
    expect(gz.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(gz[3]).toBe(0); // FLG: no file name, no comment
    expect(gz.readUInt32LE(4)).toBe(0); // MTIME
    expect(gunzipSync(gz).equals(plain)).toBe(true);
    expect((await collect(createContextStream(s, 'FROM scratch\n', { gzip: true }))).equals(gz)).toBe(true);
    const file = (await entries(plain)).find((e) => e.name === '_imagespec/source/big.bin');
    expect(file?.size).toBe(big.length);
  });

  it('fails with FILE_NOT_FOUND naming a missing copy source', async () => {
    const missing = join(root, 'nope.txt');
    for (const gzip of [false, true]) {
      const error = await collect(
        createContextStream(spec({ copy: [{ src: missing, dest: '/x' }] }), 'FROM scratch\n', { gzip }),
      ).catch((e: unknown) => e);
      expect(isImagespecError(error) && error.code).toBe('FILE_NOT_FOUND');
      expect((error as Error).message).toContain(missing);
    }
  });

  it('fails naming a file that shrinks while it is being sent', async () => {
    await put('src/big.bin', Buffer.alloc(8 * 1024 * 1024, 1));
    const stream = createContextStream(spec({ sourceRoot: join(root, 'src') }), 'FROM scratch\n');
    let received = 0;
    const error = await (async () => {
      for await (const chunk of stream) {
        received += (chunk as Buffer).length;
        if (received > 1024 * 1024 && received - (chunk as Buffer).length <= 1024 * 1024) {
          await truncate(join(root, 'src/big.bin'), 0);
        }
      }
    })().catch((e: unknown) => e);
    expect(isImagespecError(error) && error.code).toBe('CONTEXT_CHANGED');
    expect((error as Error).message).toContain(join(root, 'src/big.bin'));
  });

  it('fails with FILE_UNREADABLE naming a listed file that can no longer be opened', async () => {
    // The walk lists a directory's entries before its first is sent: b.txt is swapped for a
    // symlink while a.bin is streamed, and is then refused (O_NOFOLLOW: ELOOP), not followed.
    await put('src/a.bin', Buffer.alloc(8 * 1024 * 1024, 1));
    await put('src/b.txt', 'b\n');
    const stream = createContextStream(spec({ sourceRoot: join(root, 'src') }), 'FROM scratch\n');
    let received = 0;
    let swapped = false;
    const error = await (async () => {
      for await (const chunk of stream) {
        received += (chunk as Buffer).length;
        if (swapped || received < 1024 * 1024) continue;
        swapped = true;
        await rm(join(root, 'src/b.txt'));
        await symlink('a.bin', join(root, 'src/b.txt'));
      }
    })().catch((e: unknown) => e);
    expect(isImagespecError(error) && error.code).toBe('FILE_UNREADABLE');
    expect(isImagespecError(error) && error.category).toBe('build');
    expect((error as Error).message).toContain(`${join(root, 'src/b.txt')} cannot be read`);
  });

  it('sends a small file as it is when read, also when it grew or shrank after the walk', async () => {
    // The walk lists a directory's entries before its first is sent: b.txt and c.txt change
    // while a.bin is streamed. Grown past its listed size, b.txt takes the streamed path.
    await put('src/a.bin', Buffer.alloc(8 * 1024 * 1024, 1));
    await put('src/b.txt', 'b\n');
    await put('src/c.txt', 'c'.repeat(1000));
    const stream = createContextStream(spec({ sourceRoot: join(root, 'src') }), 'FROM scratch\n');
    const chunks: Buffer[] = [];
    for await (const chunk of stream) {
      if (chunks.push(chunk as Buffer) !== 1) continue;
      await put('src/b.txt', 'b'.repeat(300 * 1024));
      await put('src/c.txt', 'c\n');
    }
    const listing = await entries(Buffer.concat(chunks));
    expect(listing.find((e) => e.name === '_imagespec/source/b.txt')?.body).toBe('b'.repeat(300 * 1024));
    expect(listing.find((e) => e.name === '_imagespec/source/c.txt')?.body).toBe('c\n');
  });

  it('pushes many small files in few large chunks', async () => {
    for (let i = 0; i < 300; i++) await put(`src/f${i}.txt`, `${i}\n`);
    const chunks: Buffer[] = [];
    for await (const chunk of createContextStream(spec({ sourceRoot: join(root, 'src') }), 'FROM scratch\n')) {
      chunks.push(chunk as Buffer);
    }
    // The Dockerfile and 300 files of two blocks each, two directories and the end of the archive: one chunk.
    expect(chunks.map((chunk) => chunk.length)).toEqual([(301 * 2 + 2 + 2) * 512]);
  });

  it('can be destroyed by its reader part-way', async () => {
    await put('src/big.bin', Buffer.alloc(8 * 1024 * 1024, 1));
    const stream = createContextStream(spec({ sourceRoot: join(root, 'src') }), 'FROM scratch\n');
    const errors: unknown[] = [];
    stream.on('error', (error) => errors.push(error));
    const closed = new Promise((resolve) => stream.once('close', resolve));
    stream.once('data', () => stream.destroy());
    await closed;
    expect(errors).toEqual([]);
  });

  it('stops with the abort reason when the signal is aborted', async () => {
    await put('src/big.bin', Buffer.alloc(4 * 1024 * 1024, 1));
    const controller = new AbortController();
    const stream = createContextStream(spec({ sourceRoot: join(root, 'src') }), 'FROM scratch\n', {
      signal: controller.signal,
    });
    const error = await (async () => {
      for await (const _chunk of stream) controller.abort();
    })().catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
  });
});

describe('createContextStream with the files the tag was computed from', () => {
  /** The project of `projectSpec` plus a file large enough to be streamed in chunks. */
  async function verified() {
    const s = await projectSpec();
    await put('proj/src/data.bin', randomBytes(3 * 1024 * 1024 + 5));
    const { files } = await computeImageIdentity(s);
    return { s, expected: files };
  }

  async function changed(s: ResolvedImageSpec, expected: ExpectedContext) {
    const error = await collect(createContextStream(s, 'FROM scratch\n', { expected })).catch((e: unknown) => e);
    expect(isImagespecError(error) && error.code).toBe('CONTEXT_CHANGED');
    const { message, hint, category } = error as ImagespecError;
    expect(category).toBe('build');
    expect(hint).toContain('Run the build again: it computes the tag of the new content.');
    return message.replaceAll(root, '<root>');
  }

  it('writes the same bytes as without them when nothing changed, plain and gzipped', async () => {
    const { s, expected } = await verified();
    for (const gzip of [false, true]) {
      const plain = await collect(createContextStream(s, 'FROM scratch\n', { gzip }));
      const checked = await collect(createContextStream(s, 'FROM scratch\n', { gzip, expected }));
      expect(checked.equals(plain)).toBe(true);
    }
  });

  it('fails naming a small file that grew past the whole-read limit after the walk', async () => {
    const { s } = await verified();
    await put('proj/src/big.bin', Buffer.alloc(8 * 1024 * 1024, 1));
    const { files } = await computeImageIdentity(s);
    const error = await (async () => {
      let first = true;
      for await (const _chunk of createContextStream(s, 'FROM scratch\n', { expected: files })) {
        if (!first) continue;
        first = false;
        // main.py is listed after big.bin: it is read once big.bin has been streamed.
        await put('proj/src/main.py', 'x'.repeat(300 * 1024));
      }
    })().catch((e: unknown) => e);
    expect(isImagespecError(error) && error.code).toBe('CONTEXT_CHANGED');
    expect((error as Error).message).toContain(`${join(root, 'proj/src/main.py')} has different content`);
  });

  it('fails naming a small file whose content changed', async () => {
    const { s, expected } = await verified();
    await put('proj/src/main.py', 'print(2)\n');
    expect(await changed(s, expected)).toMatchInlineSnapshot(
      `"<root>/proj/src/main.py has different content than when the tag was computed, so the build context no longer matches the image’s tag; the build was stopped."`,
    );
  });

  it('fails on a streamed file whose content changed, before its last bytes are sent', async () => {
    const { s, expected } = await verified();
    const now = randomBytes(3 * 1024 * 1024 + 5);
    await put('proj/src/data.bin', now);
    const received: Buffer[] = [];
    const error = await (async () => {
      for await (const chunk of createContextStream(s, 'FROM scratch\n', { expected })) received.push(chunk as Buffer);
    })().catch((e: unknown) => e);
    expect(isImagespecError(error) && error.code).toBe('CONTEXT_CHANGED');
    expect((error as Error).message).toContain(`${join(root, 'proj/src/data.bin')} has different content`);
    const sent = Buffer.concat(received);
    // Part of the new content went out, but never all of it: the entry is never complete.
    expect(sent.includes(now.subarray(0, 64 * 1024))).toBe(true);
    expect(sent.includes(now.subarray(now.length - 64 * 1024))).toBe(false);
  });

  it('fails naming a file whose executable bit changed', async () => {
    const { s, expected } = await verified();
    await chmod(join(root, 'proj/src/main.py'), 0o755);
    expect(await changed(s, expected)).toMatchInlineSnapshot(
      `"<root>/proj/src/main.py was a non-executable file when the tag was computed and is now an executable file, so the build context no longer matches the image’s tag; the build was stopped."`,
    );
  });

  it('fails naming a symlink that points elsewhere', async () => {
    const { s, expected } = await verified();
    await unlink(join(root, 'proj/src/link.py'));
    await symlink('run.sh', join(root, 'proj/src/link.py'));
    expect(await changed(s, expected)).toMatchInlineSnapshot(
      `"<root>/proj/src/link.py pointed to main.py when the tag was computed and now points to run.sh, so the build context no longer matches the image’s tag; the build was stopped."`,
    );
  });

  it('fails naming a file that appeared', async () => {
    const { s, expected } = await verified();
    await put('proj/src/generated.py', 'x = 1\n');
    expect(await changed(s, expected)).toMatchInlineSnapshot(
      `"<root>/proj/src/generated.py was added after the tag was computed, so the build context no longer matches the image’s tag; the build was stopped."`,
    );
    await rm(join(root, 'proj/src/generated.py'));
    // Last in its tree's listing.
    await put('proj/src/zz.py', '');
    expect(await changed(s, expected)).toMatchInlineSnapshot(
      `"<root>/proj/src/zz.py was added after the tag was computed, so the build context no longer matches the image’s tag; the build was stopped."`,
    );
  });

  it('fails naming a file or directory that vanished, wherever it was listed', async () => {
    const { s, expected } = await verified();
    await rm(join(root, 'proj/src/main.py'));
    expect(await changed(s, expected)).toMatchInlineSnapshot(
      `"<root>/proj/src/main.py was removed after the tag was computed, so the build context no longer matches the image’s tag; the build was stopped."`,
    );
    await put('proj/src/main.py', 'print(1)\n');
    await rm(join(root, 'proj/src/run.sh')); // last in the listing
    expect(await changed(s, expected)).toMatchInlineSnapshot(
      `"<root>/proj/src/run.sh was removed after the tag was computed, so the build context no longer matches the image’s tag; the build was stopped."`,
    );
    await put('proj/src/run.sh', '#!/bin/sh\n', 0o700);
    await rm(join(root, 'proj/src/empty'), { recursive: true });
    expect(await changed(s, expected)).toMatchInlineSnapshot(
      `"<root>/proj/src/empty was removed after the tag was computed, so the build context no longer matches the image’s tag; the build was stopped."`,
    );
    await mkdir(join(root, 'proj/src/empty'));
    await rm(join(root, 'proj/single.txt')); // a copy entry that is one file
    expect(await changed(s, expected)).toMatchInlineSnapshot(
      `"<root>/proj/single.txt was removed after the tag was computed, so the build context no longer matches the image’s tag; the build was stopped."`,
    );
  });

  it('fails naming a requirements file that changed', async () => {
    const { s, expected } = await verified();
    await put('proj/requirements.txt', 'numpy==2.1.0\n');
    expect(await changed(s, expected)).toMatchInlineSnapshot(
      `"<root>/proj/requirements.txt has different content than when the tag was computed, so the build context no longer matches the image’s tag; the build was stopped."`,
    );
  });

  it('ignores what the identity does not record: mtimes and non-executable permission bits', async () => {
    const { s, expected } = await verified();
    const before = await collect(createContextStream(s, 'FROM scratch\n'));
    await utimes(join(root, 'proj/src/main.py'), new Date(2010, 0, 1), new Date(2010, 0, 1));
    await chmod(join(root, 'proj/src/main.py'), 0o664);
    await put('proj/src/debug.log', 'ignored by .dockerignore');
    expect((await collect(createContextStream(s, 'FROM scratch\n', { expected }))).equals(before)).toBe(true);
  });

  it('refuses files that are not this spec’s', async () => {
    const { s, expected } = await verified();
    const error = await collect(
      createContextStream(s, 'FROM scratch\n', { expected: { ...expected, copy: expected.copy.slice(1) } }),
    ).catch((e: unknown) => e);
    expect(isImagespecError(error) && error.code).toBe('INTERNAL');
  });
});

describe('createContextStream’s bytes', () => {
  /** Deterministic content: no two files alike, nothing random. */
  const bytes = (size: number, seed: number) =>
    Buffer.from(Array.from({ length: size }, (_, i) => (i * 31 + seed) & 0xff));

  /** Every kind of entry and header the writer produces: sizes around 512 and the whole-read limit, long and UTF-8 names. */
  async function edgeSpec() {
    await put('e/requirements.txt', 'numpy==2.0.0\n', 0o755);
    const sizes = [0, 1, 511, 512, 513, 4096, 256 * 1024 - 1, 256 * 1024, 256 * 1024 + 1, 600 * 1024 + 3];
    for (const [i, size] of sizes.entries()) await put(`e/src/sizes/f${i}.bin`, bytes(size, i), i % 3 ? 0o644 : 0o755);
    await put('e/src/exec.sh', '#!/bin/sh\n', 0o700);
    await put('e/src/private.txt', 'p\n', 0o600);
    await mkdir(join(root, 'e/src/empty/nested'), { recursive: true });
    await mkdir(join(root, 'e/src/a-b'), { recursive: true });
    await put('e/src/a/b.txt', 'ab\n');
    await put('e/src/a.txt', 'a\n');
    await put('e/src/é-ünïcode.txt', 'u\n');
    await put(`e/src/${'n'.repeat(100)}`, 'name of 100\n'); // 118 bytes in the tar: a ustar prefix
    await put(`e/src/${'d'.repeat(70)}/${'f'.repeat(70)}.txt`, 'split\n'); // prefix and name
    await put(`e/src/${'d'.repeat(120)}/${'e'.repeat(120)}/x.txt`, 'pax path\n'); // too long for ustar: pax
    await symlink('a.txt', join(root, 'e/src/link'));
    await symlink(`${'t'.repeat(120)}/target`, join(root, 'e/src/long-link')); // pax linkpath
    await symlink('ünïcode', join(root, 'e/src/utf8-link'));
    await symlink('../../outside', join(root, 'e/src/dangling'));
    await put('e/conf/app.toml', 'a = 1\n');
    await put('e/one.bin', bytes(300 * 1024, 99), 0o755);
    return spec({
      requirements: { path: join(root, 'e/requirements.txt'), kind: 'requirements.txt' },
      copy: [
        { src: join(root, 'e/conf'), dest: '/etc/app' },
        { src: join(root, 'e/one.bin'), dest: '/opt/one.bin' },
      ],
      sourceRoot: join(root, 'e/src'),
    });
  }

  const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

  // Pinned from the tar-stream based writer this one replaced: the bytes must not change.
  const PLAIN = 'b0e47fa1cfe2cc267e4b79ed0480e862bcc464b6e1137ee298c567fcb677e2dc';
  const GZIP = '70f16a039279125e4bc754771099f12203f0d810ef7d437567a775bdd92d5343';

  it('are the same as they have always been, plain, verified and gzipped', async () => {
    const s = await edgeSpec();
    const plain = await collect(createContextStream(s, 'FROM scratch\n'));
    expect(sha256(plain)).toBe(PLAIN);
    const { files } = await computeImageIdentity(s);
    expect(sha256(await collect(createContextStream(s, 'FROM scratch\n', { expected: files })))).toBe(PLAIN);
    expect(sha256(await collect(createContextStream(s, 'FROM scratch\n', { gzip: true })))).toBe(GZIP);
    const listed = spawnSync('tar', ['-tvf', '-'], { input: plain, encoding: 'utf8' });
    expect(listed.status).toBe(0);
    expect(listed.stdout).toContain(`_imagespec/source/${'d'.repeat(120)}/${'e'.repeat(120)}/x.txt`);
    expect(listed.stdout).toContain(`_imagespec/source/long-link -> ${'t'.repeat(120)}/target`);
    expect(listed.stdout).toContain('_imagespec/source/é-ünïcode.txt');
  });
});
