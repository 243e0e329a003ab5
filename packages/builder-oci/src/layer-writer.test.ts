import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, inflateRawSync } from 'node:zlib';
import type { ContextSyncEntry } from '@imagespec/core/builder';
import { normalizeSpec } from '@imagespec/core/spec';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkReusedBlob } from './layer-cache.js';
import { layerRoots } from './layer-roots.js';
import { shardOf } from './layer-shards.js';
import { type WrittenLayer, writeLayers } from './layer-writer.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imagespec-oci-unit-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const file = (path: string, text: string, mode = 0o644): ContextSyncEntry => ({
  path,
  kind: 'file',
  mode,
  size: Buffer.byteLength(text),
  mtimeNs: 0,
  sha256: createHash('sha256').update(text).digest('hex'),
  read: async function* () {
    yield Buffer.from(text);
  },
});
const dirEntry = (path: string): ContextSyncEntry => ({ path, kind: 'dir', mode: 0o755, size: 0, mtimeNs: 0 });

async function* entries(): AsyncGenerator<ContextSyncEntry> {
  yield dirEntry('_imagespec');
  yield dirEntry('_imagespec/copy');
  yield dirEntry('_imagespec/copy/0');
  yield file('_imagespec/copy/0/config.json', '{}\n');
  yield dirEntry('_imagespec/source');
  yield dirEntry('_imagespec/source/pkg');
  yield file('_imagespec/source/pkg/a.py', 'A = 1\n');
  yield file('_imagespec/source/run.sh', 'echo\n', 0o755);
  yield { path: '_imagespec/source/link', kind: 'symlink', mode: 0o777, size: 0, mtimeNs: 0, linkTarget: 'run.sh' };
}

/** Names, types and modes of a tar, from its headers. */
function listTar(tar: Buffer): string[] {
  const out: string[] = [];
  for (let at = 0; at + 512 <= tar.length; ) {
    const name = tar.toString('latin1', at, at + 100).replace(/\0.*$/s, '');
    if (!name) break;
    const mode = tar.toString('latin1', at + 100, at + 107);
    const size = Number.parseInt(tar.toString('latin1', at + 124, at + 135), 8);
    const type = String.fromCharCode(tar[at + 156]!);
    const mtime = tar.toString('latin1', at + 136, at + 147);
    const uid = tar.toString('latin1', at + 108, at + 115);
    out.push(`${type} ${mode} ${uid} ${mtime} ${name}`);
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

describe('writeLayers', () => {
  const spec = normalizeSpec(
    {
      name: 'app',
      baseImage: 'busybox:1',
      copy: [{ src: 'config.json', dest: '/etc/app/config.json' }],
      sourceRoot: '.',
      workdir: '/srv',
    },
    { dir: '/project' },
  );

  it('writes one layer per root at the image paths COPY gives, without the root or its parents', async () => {
    const layers = await writeLayers(entries(), layerRoots(spec), dir, new AbortController().signal);
    expect(layers.map((l) => l.root.entry.dest)).toEqual(['/etc/app/config.json', '/srv']);
    const tars = await Promise.all(layers.map(async (l) => gunzipSync(await readFile(l.file))));
    expect(tars.map(listTar)).toEqual([
      ['0 000644  000000  00000000000 etc/app/config.json'],
      [
        '5 000755  000000  00000000000 srv/pkg/',
        '0 000644  000000  00000000000 srv/pkg/a.py',
        '0 000755  000000  00000000000 srv/run.sh',
        '2 000777  000000  00000000000 srv/link',
      ],
    ]);
    for (const [i, layer] of layers.entries()) {
      const gz = await readFile(layer.file);
      expect(layer.size).toBe(gz.length);
      expect(layer.digest).toBe(`sha256:${createHash('sha256').update(gz).digest('hex')}`);
      expect(layer.diffId).toBe(`sha256:${createHash('sha256').update(tars[i]!).digest('hex')}`);
      expect(gz.subarray(4, 10)).toEqual(Buffer.from([0, 0, 0, 0, 4, 3])); // mtime 0, xfl 4 (fastest), OS Unix
    }
  });

  it('keeps a copy entry of 2 MiB or more as one layer: only the source is cut into shards', async () => {
    const big = randomish(3 * 1024 * 1024);
    async function* large(): AsyncGenerator<ContextSyncEntry> {
      yield dirEntry('_imagespec');
      yield dirEntry('_imagespec/copy');
      yield dirEntry('_imagespec/copy/0');
      yield dirEntry('_imagespec/copy/0/data');
      for (let i = 0; i < 3; i++) yield file(`_imagespec/copy/0/data/data${i}.bin`, `${i}${big}`);
      yield dirEntry('_imagespec/source');
      for (let i = 0; i < 3; i++) yield file(`_imagespec/source/data${i}.bin`, `${i}${big}`);
    }
    const dataSpec = normalizeSpec(
      { name: 'app', baseImage: 'busybox:1', copy: [{ src: 'data', dest: '/data' }], sourceRoot: '.', workdir: '/srv' },
      { dir: '/project' },
    );
    const layers = await writeLayers(large(), layerRoots(dataSpec), dir, new AbortController().signal);
    const copies = layers.filter((layer) => layer.root.entry.role === 'copy');
    expect(copies.map((layer) => layer.createdBy)).toEqual([layerRoots(dataSpec)[0]!.createdBy]);
    expect(layers.filter((layer) => layer.root.entry.role === 'source').map((layer) => layer.createdBy)).toEqual(
      expect.arrayContaining([expect.stringMatching(/, part \d of 8$/)]),
    );
  });

  it('gives the same bytes every time', async () => {
    const one = await writeLayers(entries(), layerRoots(spec), join(dir), new AbortController().signal);
    const digests = one.map((l) => l.digest);
    const again = await mkdtemp(join(dir, 'again-'));
    const two = await writeLayers(entries(), layerRoots(spec), again, new AbortController().signal);
    expect(two.map((l) => l.digest)).toEqual(digests);
  });
});

describe('writeLayers: gzip members and their cache', () => {
  const spec = normalizeSpec(
    { name: 'app', baseImage: 'busybox:1', sourceRoot: '.', workdir: '/srv' },
    { dir: '/project' },
  );
  const roots = layerRoots(spec);
  /** 300 small files of text that compresses, one large file (a group of its own) of bytes that do not, in the listing's order. */
  const tree = (changed = 'x'): ContextSyncEntry[] => {
    const list: ContextSyncEntry[] = [dirEntry('_imagespec'), dirEntry('_imagespec/source')];
    for (let d = 0; d < 10; d++) {
      list.push(dirEntry(`_imagespec/source/d${d}`));
      for (let f = 0; f < 30; f++) {
        const text = `# module ${d}/${f}\n${'def f(): return 1\n'.repeat(50 + f)}${d === 3 && f === 7 ? changed : ''}`;
        list.push(file(`_imagespec/source/d${d}/m${f}.py`, text));
      }
    }
    list.splice(100, 0, file('_imagespec/source/d2/large.bin', randomish(300 * 1024)));
    return list.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  };
  async function* each(list: ContextSyncEntry[]): AsyncGenerator<ContextSyncEntry> {
    yield* list;
  }
  /** One write, as a CLI's build does it: its layers (one below 2 MiB of files) as one blob of their bytes, and sums. */
  const write = async (list: ContextSyncEntry[], cacheDir: string | undefined) => {
    const out = await mkdtemp(join(dir, 'out-'));
    const layers = await writeLayers(each(list), roots, out, new AbortController().signal, { cacheDir });
    // The next build must find this one's files, as a CLI's next run does.
    await Promise.all(layers.map((layer) => layer.kept));
    // Read now: the cache keeps the blob as a hard link, which the corrupting steps below write through.
    const bytes = await Promise.all(layers.map((layer) => readFile(layer.file)));
    const sum = (of: (layer: WrittenLayer) => number) => layers.reduce((total, layer) => total + of(layer), 0);
    return {
      layers,
      bytes: Buffer.concat(bytes),
      digest: layers.map((layer) => layer.digest).join(),
      diffId: layers.map((layer) => layer.diffId).join(),
      size: sum((layer) => layer.size),
      members: sum((layer) => layer.members),
      compressed: sum((layer) => layer.compressed),
      reused: sum((layer) => (layer.reused ? 1 : 0)),
    };
  };
  /** The cache's files of one kind. */
  const cached = async (cacheDir: string, suffix: string) =>
    (await readdir(cacheDir)).filter((name) => name.endsWith(suffix)).map((name) => join(cacheDir, name));
  const flipByte = async (path: string, at: (length: number) => number) => {
    const bytes = await readFile(path);
    bytes[at(bytes.length)]! ^= 0xff;
    await writeFile(path, bytes);
  };

  /** The tree's files wrapped to count their reads. */
  const counted = (list: ContextSyncEntry[], reads: string[]): ContextSyncEntry[] =>
    list.map((entry) =>
      entry.read
        ? {
            ...entry,
            read: () => {
              reads.push(entry.path);
              return entry.read!();
            },
          }
        : entry,
    );

  it('gives one blob whatever the cache holds: none, empty, full, a damaged member, truncated', async () => {
    const cacheDir = join(dir, 'cache');
    const uncached = await write(tree(), undefined);
    const cold = await write(tree(), cacheDir);
    expect(cold.compressed).toBe(cold.members);
    expect(cold.reused).toBe(0);
    const warm = await write(tree(), cacheDir);
    expect(warm).toMatchObject({ compressed: 0, reused: 1 });
    // A damaged member of a layer whose listing changed: found bad when read back, compressed again.
    const edited = await write(tree('# edited\n'), undefined);
    await write(tree(), cacheDir);
    const [members] = await cached(cacheDir, '.members');
    await flipByte(members!, (length) => Math.floor(length / 2));
    const corrupt = await write(tree('# edited\n'), cacheDir);
    expect(corrupt.reused).toBe(0);
    expect(corrupt.compressed).toBe(2); // the changed group, and the damaged one (another group here)
    expect(corrupt.bytes).toEqual(edited.bytes);
    const [rewritten] = await cached(cacheDir, '.members');
    await truncate(rewritten!, 100);
    const truncated = await write(tree(), cacheDir);
    expect(truncated.reused).toBe(0);
    expect(truncated.compressed).toBe(truncated.members);
    for (const layer of [cold, warm, truncated]) {
      expect({ digest: layer.digest, diffId: layer.diffId, size: layer.size }).toEqual({
        digest: uncached.digest,
        diffId: uncached.diffId,
        size: uncached.size,
      });
      expect(layer.bytes).toEqual(uncached.bytes);
    }
  });

  it('reuses an unchanged layer whole, unread, and refuses it once checked when its blob was damaged in the cache', async () => {
    const cacheDir = join(dir, 'cache');
    const uncached = await write(tree(), undefined);
    await write(tree(), cacheDir);
    const reads: string[] = [];
    const warm = await write(counted(tree(), reads), cacheDir);
    expect(reads).toEqual([]);
    expect(warm).toMatchObject({ reused: 1, compressed: 0, digest: uncached.digest });
    await expect(checkReusedBlob(warm.layers[0]!.file, warm.layers[0]!.digest, cacheDir)).resolves.toBeUndefined();
    // Where it cannot be linked (here: no such temp dir; in life, the cache on another file system), the cache's own file.
    const unlinked = await writeLayers(each(tree()), roots, join(dir, 'no-such-dir'), new AbortController().signal, {
      cacheDir,
    });
    expect(unlinked[0]).toMatchObject({ reused: true, digest: uncached.digest });
    expect(unlinked[0]!.file.startsWith(cacheDir)).toBe(true);
    expect(await readFile(unlinked[0]!.file)).toEqual(uncached.bytes);
    const [members] = await cached(cacheDir, '.members');
    await flipByte(members!, (length) => length - 20);
    const damaged = await write(tree(), cacheDir);
    expect(damaged.reused).toBe(1);
    const check = checkReusedBlob(damaged.layers[0]!.file, damaged.layers[0]!.digest, cacheDir);
    await expect(check).rejects.toMatchObject({ code: 'BUILD_FAILED', hint: expect.stringContaining(cacheDir) });
    // The check dropped the damaged copy: the next build compresses everything again and gives the right blob.
    const next = await write(tree(), cacheDir);
    expect(next).toMatchObject({ reused: 0, digest: uncached.digest });
    expect(next.compressed).toBe(next.members);
    expect(next.bytes).toEqual(uncached.bytes);
  });

  it('gives the same blob from readSync as from read(), and reads a small file only through readSync', async () => {
    const streamed = await write(tree(), undefined);
    const blocking: ContextSyncEntry[] = [];
    for (const entry of tree()) {
      if (entry.kind !== 'file' || entry.size >= 256 * 1024) {
        blocking.push(entry);
        continue;
      }
      const chunks: Uint8Array[] = [];
      for await (const chunk of entry.read!()) chunks.push(chunk);
      const bytes = Buffer.concat(chunks);
      blocking.push({
        ...entry,
        readSync: () => bytes,
        read: () => {
          throw new Error(`${entry.path} read through read()`);
        },
      });
    }
    const written = await write(blocking, undefined);
    expect({ digest: written.digest, diffId: written.diffId }).toEqual({
      digest: streamed.digest,
      diffId: streamed.diffId,
    });
    expect(written.bytes).toEqual(streamed.bytes);
  });

  it('reads again only the files of the group that changed; the others come from the cache unread', async () => {
    const cacheDir = join(dir, 'cache');
    const cold: string[] = [];
    await write(counted(tree(), cold), cacheDir);
    const files = tree().filter((entry) => entry.kind === 'file').length;
    expect(cold).toHaveLength(files);
    const warm: string[] = [];
    const after = await write(counted(tree('# edited\n'), warm), cacheDir);
    expect(warm).toContain('_imagespec/source/d3/m7.py');
    expect(warm.length).toBeLessThan(files / 4);
    expect(after.bytes).toEqual((await write(tree('# edited\n'), undefined)).bytes);
    const again: string[] = [];
    await write(counted(tree('# edited\n'), again), cacheDir);
    expect(again).toEqual([]);
  });

  it('reads a group from its files when its cached tar bytes are damaged, and files without a digest every time', async () => {
    const cacheDir = join(dir, 'cache');
    const uncached = await write(tree(), undefined);
    const edited = await write(tree('# edited\n'), undefined);
    await write(tree(), cacheDir);
    const [tars] = await cached(cacheDir, '.tar');
    await flipByte(tars!, () => 100);
    const reads: string[] = [];
    const damaged = await write(counted(tree('# edited\n'), reads), cacheDir);
    expect(damaged.compressed).toBe(2); // the changed group, and the first one, whose tar bytes were damaged
    expect(reads).toContain('_imagespec/source/d0/m0.py');
    expect(damaged.bytes).toEqual(edited.bytes);
    // An older core gives no digests: nothing is keyed, every file is read, the bytes are the same.
    const noDigest = tree().map(({ sha256: _, ...entry }) => entry as ContextSyncEntry);
    for (let build = 0; build < 2; build++) {
      const undigested: string[] = [];
      const plain = await write(counted(noDigest, undigested), cacheDir);
      expect(undigested).toHaveLength(tree().filter((entry) => entry.kind === 'file').length);
      expect(plain).toMatchObject({ compressed: plain.members, reused: 0 });
      expect(plain.bytes).toEqual(uncached.bytes);
    }
  });

  it('compresses only the group of a changed file', async () => {
    const cacheDir = join(dir, 'cache');
    const before = await write(tree(), cacheDir);
    const after = await write(tree('# edited\n'), cacheDir);
    expect(after.members).toBe(before.members);
    expect(after.compressed).toBe(1);
    expect(after.digest).not.toBe(before.digest);
    expect(after.digest).toBe((await write(tree('# edited\n'), undefined)).digest);
  });

  it('streams a file too large to hold as a member of its own, read back when unchanged, the same bytes cached or not', async () => {
    const cacheDir = join(dir, 'cache');
    const huge = 9 * 1024 * 1024;
    const withHuge = (seed = 'a'): ContextSyncEntry[] => {
      const list = tree();
      const at = list.findIndex((entry) => entry.path > '_imagespec/source/d5');
      list.splice(at, 0, {
        path: '_imagespec/source/d5.bin',
        kind: 'file',
        mode: 0o644,
        size: huge,
        mtimeNs: 0,
        read: async function* () {
          const chunk = Buffer.from(seed + randomish(256 * 1024 - 1));
          for (let sent = 0; sent < huge; sent += chunk.length) yield chunk;
        },
      });
      return list;
    };
    const uncached = await write(withHuge(), undefined);
    const cold = await write(withHuge(), cacheDir);
    expect(cold.compressed).toBe(cold.members);
    const warm = await write(withHuge(), cacheDir);
    expect(warm.members).toBe(cold.members);
    expect(warm.compressed).toBe(0);
    // The streamed member corrupted in the cache: found bad while copied, compressed again.
    // Its layer is never reused whole: the file has no digest in this listing, so it is read for its key.
    expect(warm.layers.length).toBeGreaterThan(1);
    const indexes = await Promise.all(
      (await cached(cacheDir, '.json')).map(async (path) => JSON.parse(await readFile(path, 'utf8'))),
    );
    const index = indexes.find((each) => each.entries.some((entry: { head?: string }) => entry.head));
    const streamed = index.entries.find((entry: { head?: string }) => entry.head);
    const bytes = await readFile(join(cacheDir, index.members));
    bytes[streamed.offset + Math.floor(streamed.length / 2)]! ^= 0xff;
    await writeFile(join(cacheDir, index.members), bytes);
    const corrupt = await write(withHuge(), cacheDir);
    expect(corrupt.compressed).toBe(1);
    for (const layer of [cold, warm, corrupt]) {
      expect(layer.digest).toBe(uncached.digest);
      expect(layer.bytes).toEqual(uncached.bytes);
    }
    // Same size, other bytes: read once for its key, missed, read again and compressed.
    const changed = await write(withHuge('b'), cacheDir);
    expect(changed.compressed).toBe(1);
    expect(changed.bytes).toEqual((await write(withHuge('b'), undefined)).bytes);
    const tars = await Promise.all(uncached.layers.map(async (layer) => gunzipSync(await readFile(layer.file))));
    const holding = tars.findIndex((tar) => listTar(tar).includes('0 000644  000000  00000000000 srv/d5.bin'));
    expect(`sha256:${createHash('sha256').update(tars[holding]!).digest('hex')}`).toBe(
      uncached.layers[holding]!.diffId,
    );
  });

  it('cuts a root of 2 MiB or more into shards, whole tars an edit rewrites one at a time', async () => {
    const cacheDir = join(dir, 'cache');
    // 300 small files and 4.5 MiB of data files (~5 MiB): 4 shards; one more 4 MiB file makes 8.
    const big = (changed = 'x', more = 0): ContextSyncEntry[] => {
      const list = tree(changed);
      const data = randomish(1.5 * 1024 * 1024);
      for (let i = 0; i < 3 + more; i++) list.push(file(`_imagespec/source/data${i}.bin`, `${i}${data}`));
      return list.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    };
    const uncached = await write(big(), undefined);
    expect(uncached.layers.map((layer) => layer.createdBy.replace(/.*, /, ''))).toEqual(
      [1, 2, 3, 4].map((n) => `part ${n} of 4`),
    );
    const tars = await Promise.all(uncached.layers.map(async (layer) => gunzipSync(await readFile(layer.file))));
    const inImage = (entry: ContextSyncEntry) =>
      `${entry.path.replace('_imagespec/source', 'srv')}${entry.kind === 'dir' ? '/' : ''}`;
    const expected = big()
      .filter((entry) => entry.path.startsWith('_imagespec/source/'))
      .map(inImage);
    const names = tars.map((tar) => listTar(tar).map((line) => line.split(' ').at(-1)!));
    // Each shard a whole tar in the listing's order, each entry in the shard of its path; together the one-layer listing.
    for (const [i, shard] of names.entries()) {
      expect(shard).toEqual(expected.filter((name) => shardOf(name.replace(/\/$/, ''), 4) === i));
      expect(tars[i]!.subarray(-1024)).toEqual(Buffer.alloc(1024));
    }
    expect(names.flat().sort()).toEqual([...expected].sort());

    const cold = await write(big(), cacheDir);
    expect(cold.bytes).toEqual(uncached.bytes);
    const reads: string[] = [];
    const edited = await write(counted(big('# edited\n'), reads), cacheDir);
    const shard = shardOf('srv/d3/m7.py', 4);
    expect(edited.layers.map((layer) => layer.reused)).toEqual([0, 1, 2, 3].map((i) => i !== shard));
    expect(edited.compressed).toBe(1);
    expect(reads.length).toBeGreaterThan(0);
    for (const path of reads) expect(shardOf(inImage({ path } as ContextSyncEntry), 4)).toBe(shard);
    expect(edited.layers.filter((layer, i) => layer.digest !== cold.layers[i]!.digest)).toHaveLength(1);
    expect(edited.bytes).toEqual((await write(big('# edited\n'), undefined)).bytes);

    // Past 8 MiB: 8 shards, all new, and the cache drops the root's 4-shard files.
    const grown = await write(big('# edited\n', 2), cacheDir);
    expect(grown.layers).toHaveLength(8);
    expect(grown.reused).toBe(0);
    const left = await readdir(cacheDir);
    expect(left.filter((name) => name.includes('of4')).length).toBe(0);
    expect(left.filter((name) => name.includes('of8.') && name.endsWith('.json'))).toHaveLength(8);
  });

  it('keeps the roots written last: 32 of 35', async () => {
    const cacheDir = join(dir, 'cache');
    const small = [dirEntry('_imagespec'), dirEntry('_imagespec/source'), file('_imagespec/source/a.py', 'A = 1\n')];
    const rootsOf = (project: number) =>
      layerRoots(
        normalizeSpec(
          { name: 'app', baseImage: 'busybox:1', sourceRoot: '.', workdir: '/srv' },
          { dir: `/project${project}` },
        ),
      );
    for (let project = 0; project < 35; project++) {
      const out = await mkdtemp(join(dir, 'out-'));
      const [layer] = await writeLayers(each(small), rootsOf(project), out, new AbortController().signal, {
        cacheDir,
      });
      await layer!.kept;
    }
    const names = await readdir(cacheDir);
    expect(names.filter((name) => name.endsWith('.json'))).toHaveLength(32);
    expect(names.filter((name) => name.endsWith('.members'))).toHaveLength(32);
    expect(names.filter((name) => name.endsWith('.tar'))).toHaveLength(32);
    const again = await writeLayers(
      each(small),
      rootsOf(34),
      await mkdtemp(join(dir, 'out-')),
      new AbortController().signal,
      {
        cacheDir,
      },
    );
    expect(again[0]!.compressed).toBe(0);
  });

  it('is a multi-member gzip that decompresses to exactly the tar', async () => {
    const layer = await write(tree(), undefined);
    expect(layer.members).toBeGreaterThan(10);
    const gz = layer.bytes;
    const starts = gzipMemberStarts(gz);
    expect(starts).toHaveLength(layer.members);
    for (const at of starts) expect(gz.subarray(at + 4, at + 10)).toEqual(Buffer.from([0, 0, 0, 0, 4, 3]));
    const tar = gunzipSync(gz);
    expect(`sha256:${createHash('sha256').update(tar).digest('hex')}`).toBe(layer.diffId);
    expect(listTar(tar)).toHaveLength(311);
    expect(tar.subarray(-1024)).toEqual(Buffer.alloc(1024));
  });
});

/** Bytes that deflate cannot shrink, the same every run. */
function randomish(size: number): string {
  let state = 1;
  let out = '';
  for (let i = 0; i < size; i++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    out += String.fromCharCode(33 + ((state >> 16) % 90));
  }
  return out;
}

/** Where each gzip member starts: a 10-byte header (no optional fields), deflate data, an 8-byte trailer. */
function gzipMemberStarts(gz: Buffer): number[] {
  const starts: number[] = [];
  for (let at = 0; at < gz.length; ) {
    starts.push(at);
    const inflated = inflateRawSync(gz.subarray(at + 10), { info: true }) as unknown as {
      engine: { bytesWritten: number };
    };
    at += 10 + inflated.engine.bytesWritten + 8;
  }
  return starts;
}
