import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import { unlinkSync, writeSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContextSyncEntry } from '@imagespec/core/builder';
import { TAR_BLOCK, tarHeaderLength, tarPadding, writeTarHeader } from '@imagespec/core/builder';
import {
  compressMember,
  createMemberStream,
  endsGroup,
  GROUP_MAX,
  LARGE_FILE,
  STREAM_FILE,
  unixMemberHeader,
} from './gzip-member.js';
import { type CachedMember, LayerCache } from './layer-cache.js';
import { fileRootPath, imagePath, type LayerRoot } from './layer-roots.js';
import { splitShards } from './layer-shards.js';

/** A layer written to a temp file (or reused whole from the member cache): its blob digest and size (gzip), its diff id (tar), and how its members were made. */
export interface WrittenLayer {
  readonly root: LayerRoot;
  /** What the history says made it: the root's COPY, and which shard of it. */
  readonly createdBy: string;
  readonly file: string;
  readonly digest: string;
  readonly diffId: string;
  readonly size: number;
  /** gzip members in the blob, and how many of them were compressed (the rest came from the member cache). */
  readonly members: number;
  readonly compressed: number;
  /**
   * The blob is the member cache's last one for an unchanged listing, checked only by size:
   * check it by digest (`checkReusedBlob`) before its bytes are sent anywhere.
   */
  readonly reused: boolean;
  /**
   * Settles (never rejects) once the member cache has kept the layer's files, which it
   * links from the temp dir: the caller removes that dir only after. Not awaited here, so
   * the cache's writes overlap the upload.
   */
  readonly kept: Promise<void>;
}

export interface WriteLayersOptions {
  /** The member cache's directory (`layerCacheDir`); undefined: no cache, every group compressed. */
  readonly cacheDir?: string | undefined;
}

/** Groups compressed or read back at once per layer: both cores busy, at most IN_FLIGHT x STREAM_FILE held. */
const IN_FLIGHT = 4;
/** What a group's key hashes besides its entries: another key format must never match. */
const KEY_FORMAT = 'imagespec-oci-group/1\n';
/** The same for a whole layer's key. */
const LAYER_KEY_FORMAT = 'imagespec-oci-layer/1\n';

/** A context entry placed in a layer: its path in the image. */
interface Placed {
  readonly entry: ContextSyncEntry;
  readonly name: string;
}

/**
 * Writes each root's layers (the source's shards, `layer-shards.ts`) from the context's entries, the
 * listing the tag was computed from; each file read is checked against its digest as it
 * streams. A layer is a deterministic tar: entries in the listing's order, mtime 0,
 * uid/gid 0, no names, modes as the context has them; gzipped as a series of members, one
 * per group of entries (`gzip-member.ts`), each the same bytes whether compressed now or
 * read back from the member cache (`layer-cache.ts`). A layer whose listing the cache's
 * last blob was made from is that blob, unread; in a changed one, a group the cache has is
 * not read from its files. Both digests are computed while writing.
 */
export async function writeLayers(
  entries: AsyncIterable<ContextSyncEntry>,
  roots: readonly LayerRoot[],
  dir: string,
  signal: AbortSignal,
  options: WriteLayersOptions = {},
): Promise<WrittenLayer[]> {
  const placed: Placed[][] = roots.map(() => []);
  const bytes = roots.map(() => 0);
  for await (const entry of entries) {
    signal.throwIfAborted();
    const index = roots.findIndex(
      (root) => entry.path === root.entry.contextPath || entry.path.startsWith(`${root.entry.contextPath}/`),
    );
    const root = roots[index];
    if (!root) continue;
    const name = entry.path === root.entry.contextPath ? rootName(entry, root) : imagePath(root.entry, entry.path);
    if (name === undefined) continue;
    placed[index]!.push({ entry, name });
    if (entry.kind === 'file') bytes[index]! += entry.size;
  }
  const written: WrittenLayer[] = [];
  try {
    for (const [r, root] of roots.entries()) {
      // Only the source, which edits change: a copy entry stays one layer, as its COPY is, so
      // the image never has more new layers than the Dockerfile's COPY lines plus MAX_SHARDS - 1.
      const split = splitShards(placed[r]!, root.entry.role === 'source' ? bytes[r]! : 0);
      const shards = split.map((shard) => ({
        ...shard,
        key: layerKey(shard.items),
        file: join(dir, `layer-${r}-${shard.index}.tar.gz`),
        // A root that is one layer (a small one, or a single large file) says nothing of shards.
        createdBy: split.length === 1 ? root.createdBy : `${root.createdBy}, part ${shard.index + 1} of ${shard.count}`,
      }));
      const caches = await Promise.all(
        shards.map((shard) =>
          LayerCache.open(options.cacheDir, { ...root.entry, shard: { index: shard.index, count: shard.count } }),
        ),
      );
      // Unchanged shards first, all at once: each is a link and a stat.
      const reused = await Promise.all(
        shards.map((shard, i) => (shard.key === undefined ? undefined : caches[i]?.reuse(shard.key, shard.file))),
      );
      for (const [i, shard] of shards.entries()) {
        const hit = reused[i];
        if (hit) {
          written.push({
            root,
            createdBy: shard.createdBy,
            file: hit.file,
            ...hit.layer,
            compressed: 0,
            reused: true,
            kept: hit.kept,
          });
          continue;
        }
        written.push(await writeShard(root, shard, caches[i], signal));
      }
    }
    return written;
  } catch (error) {
    await Promise.all(written.map((layer) => layer.kept));
    throw error;
  }
}

async function writeShard(
  root: LayerRoot,
  shard: { readonly items: readonly Placed[]; readonly key: string | undefined; file: string; createdBy: string },
  cache: LayerCache | undefined,
  signal: AbortSignal,
): Promise<WrittenLayer> {
  const writer = await LayerFile.create(root, shard.file, cache);
  try {
    for (const { entry, name } of shard.items) {
      signal.throwIfAborted();
      const waiting = writer.add(entry, name, signal);
      if (waiting) await waiting;
    }
    return await writer.finish(shard.key, shard.createdBy);
  } catch (error) {
    await writer.destroy();
    throw error;
  }
}

/** A whole layer's key: what makes its tar bytes, entry by entry; undefined when a file has no digest. */
function layerKey(items: readonly Placed[]): string | undefined {
  const hash = createHash('sha256').update(LAYER_KEY_FORMAT);
  for (const { entry, name } of items) {
    if (entry.kind === 'file' && entry.sha256 === undefined) return undefined;
    hash.update(keyLine(entry, tarNameOf(entry, name)));
  }
  return hash.update('end\n').digest('hex');
}

/** Everything an entry's tar bytes are made of: its header's fields and its content's digest. */
function keyLine(entry: ContextSyncEntry, tarName: string): string {
  const size = entry.kind === 'file' ? entry.size : 0;
  return `${entry.kind} ${entry.mode} ${size} ${entry.sha256 ?? '-'} ${JSON.stringify(tarName)} ${JSON.stringify(entry.linkTarget ?? '')}\n`;
}

function tarNameOf(entry: ContextSyncEntry, name: string): string {
  return entry.kind === 'dir' ? `${name}/` : name;
}

/** A root that is a file lands at its destination; a root directory itself gets no entry. */
function rootName(entry: ContextSyncEntry, root: LayerRoot): string | undefined {
  return entry.kind === 'dir' ? undefined : fileRootPath(root.entry);
}

/** A compressed group, queued to be written in blob order. */
interface Member {
  readonly key: string | undefined;
  readonly bytes: Buffer;
  /** Where the group's tar bytes went in the cache's tar file. */
  readonly tar?: CachedMember['tar'];
}

/** An entry of the open group: held by its listing until the group closes, and read only if the cache lacks the group. */
interface Held {
  readonly entry: ContextSyncEntry;
  readonly tarName: string;
}

/** The groups' tar bytes as the cache keeps them, written beside the blob. */
interface TarsFile {
  readonly file: string;
  readonly handle: FileHandle;
  size: number;
}

/** A group's bytes written in place of entries: the two zero blocks that end the archive. */
const END_OF_ARCHIVE = Symbol('end of archive');

class LayerFile {
  readonly root: LayerRoot;
  readonly #file: string;
  readonly #out: FileHandle;
  readonly #cache: LayerCache | undefined;
  /** With a cache: the groups' tar bytes, kept beside the blob for the next build. */
  readonly #tars: TarsFile | undefined;
  #tarHash: Hash = createHash('sha256');
  #gzHash: Hash = createHash('sha256');
  #size = 0;
  #held: (Held | typeof END_OF_ARCHIVE)[] = [];
  #heldBytes = 0;
  /** What the open group's key hashes; undefined once it holds a file without a digest (never cached). */
  #keyText: string | undefined = KEY_FORMAT;
  /** Groups being compressed or read back, in blob order. */
  readonly #queue: Promise<Member>[] = [];
  /** The blob's members as the cache indexes them. */
  readonly #index: CachedMember[] = [];
  #members = 0;
  #compressed = 0;

  private constructor(
    root: LayerRoot,
    file: string,
    out: FileHandle,
    cache: LayerCache | undefined,
    tars: TarsFile | undefined,
  ) {
    this.root = root;
    this.#file = file;
    this.#out = out;
    this.#cache = cache;
    this.#tars = tars;
  }

  static async create(root: LayerRoot, file: string, cache: LayerCache | undefined): Promise<LayerFile> {
    // Fresh files even where some are left: the cache may hold the old ones as hard links, which writing over would change.
    const tarFile = `${file}.groups.tar`;
    for (const path of [file, tarFile]) {
      try {
        unlinkSync(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    const tars = cache && { file: tarFile, handle: await open(tarFile, 'wx'), size: 0 };
    return new LayerFile(root, file, await open(file, 'wx'), cache, tars);
  }

  /**
   * Adds one entry. A promise only when the entry has to wait (a group closed, a large or
   * streamed file): most entries are only held, by their listing, until their group closes.
   */
  add(entry: ContextSyncEntry, name: string, signal: AbortSignal): Promise<void> | undefined {
    const size = entry.kind === 'file' ? entry.size : 0;
    if (entry.kind === 'file' && size >= STREAM_FILE) return this.#addStreamed(entry, name, signal);
    if (size >= LARGE_FILE) return this.#addLarge(entry, name);
    this.#hold(entry, name, size);
    if (endsGroup(name) || this.#heldBytes >= GROUP_MAX) return this.#endGroup();
    return undefined;
  }

  /** A file of LARGE_FILE bytes or more: a group of its own. */
  async #addLarge(entry: ContextSyncEntry, name: string): Promise<void> {
    await this.#endGroup();
    this.#hold(entry, name, entry.size);
    await this.#endGroup();
  }

  #hold(entry: ContextSyncEntry, name: string, size: number): void {
    const tarName = tarNameOf(entry, name);
    this.#held.push({ entry, tarName });
    this.#heldBytes += tarHeaderLength(tarName, entry.linkTarget ?? '') + size + tarPadding(size);
    if (this.#keyText === undefined) return;
    if (entry.kind === 'file' && entry.sha256 === undefined) {
      this.#keyText = undefined;
      return;
    }
    this.#keyText += keyLine(entry, tarName);
  }

  async #addStreamed(entry: ContextSyncEntry, name: string, signal: AbortSignal): Promise<void> {
    const { size } = entry;
    const read = entry.read?.bind(entry);
    if (!read) throw new Error(`${entry.path}: a file without read()`);
    const linkname = entry.linkTarget ?? '';
    const header = Buffer.alloc(tarHeaderLength(name, linkname));
    writeTarHeader(header, 0, name, 'file', entry.mode, size, linkname);
    await this.#endGroup();
    while (this.#queue.length > 0) await this.#writeNext();
    if (await this.#reuseStreamed(header, read, entry.path, size)) return;
    await this.#streamMember(header, read(), entry.path, size, signal);
  }

  /** Ends the archive; `key` (the layer's, undefined for a file without a digest) is what the cache keeps it under. */
  async finish(key: string | undefined, createdBy: string): Promise<WrittenLayer> {
    this.#held.push(END_OF_ARCHIVE);
    this.#heldBytes += 2 * TAR_BLOCK;
    if (this.#keyText !== undefined) this.#keyText += 'end\n';
    await this.#endGroup();
    while (this.#queue.length > 0) await this.#writeNext();
    // A cached member found bad while it was copied leaves bytes past the end once replaced by a shorter one.
    await this.#out.truncate(this.#size);
    await this.#out.close();
    const digest = `sha256:${this.#gzHash.digest('hex')}`;
    const diffId = `sha256:${this.#tarHash.digest('hex')}`;
    const layer = { digest, diffId, size: this.#size, members: this.#members };
    let kept = Promise.resolve();
    if (this.#cache && this.#tars) {
      await this.#tars.handle.close();
      kept = this.#cache
        .commit(
          { file: this.#file, size: this.#size },
          this.#tars,
          this.#index,
          key === undefined ? undefined : { key, ...layer },
        )
        .catch(() => undefined);
    }
    return {
      root: this.root,
      createdBy,
      file: this.#file,
      ...layer,
      compressed: this.#compressed,
      reused: false,
      kept,
    };
  }

  async destroy(): Promise<void> {
    await Promise.allSettled(this.#queue);
    await this.#out.close().catch(() => undefined);
    await this.#tars?.handle.close().catch(() => undefined);
    await this.#cache?.close();
  }

  /**
   * Closes the open group: its member and tar bytes read back from the cache by its key,
   * else its files read (checked against their digests) and compressed on the thread pool.
   */
  async #endGroup(): Promise<void> {
    if (this.#held.length === 0) return;
    const held = this.#held;
    const length = this.#heldBytes;
    const key = this.#keyText === undefined ? undefined : createHash('sha256').update(this.#keyText).digest('hex');
    this.#held = [];
    this.#heldBytes = 0;
    this.#keyText = KEY_FORMAT;
    if (key !== undefined && this.#cache?.has(key)) {
      // A cached group's bytes are views of reused buffers: written out before the next read,
      // so the members before it must be written first.
      while (this.#queue.length > 0) await this.#writeNext();
      const cached = this.#cache.group(key);
      if (cached) {
        this.#tarHash.update(cached.tar);
        const tar = this.#keepTar(cached.tar, cached.tarSha256);
        this.#members += 1;
        this.#record(key, this.#emit(cached.member), cached.member.length, cached.sha256, tar);
        return;
      }
    }
    const tar = await this.#read(held, length);
    this.#tarHash.update(tar);
    const place = this.#keepTar(
      tar,
      this.#tars && key !== undefined ? createHash('sha256').update(tar).digest('hex') : undefined,
    );
    this.#compressed += 1;
    const member = compressMember(tar).then((bytes): Member => ({ key, bytes, ...(place && { tar: place }) }));
    // Awaited in order by #writeNext; a failure meanwhile must not count as unhandled.
    member.catch(() => undefined);
    this.#queue.push(member);
    while (this.#queue.length >= IN_FLIGHT) await this.#writeNext();
  }

  /** The group's tar bytes from its entries: headers, each file's bytes (checked by core as read), padding. */
  async #read(held: readonly (Held | typeof END_OF_ARCHIVE)[], length: number): Promise<Buffer> {
    const tar = Buffer.allocUnsafe(length);
    let at = 0;
    for (const item of held) {
      if (item === END_OF_ARCHIVE) {
        tar.fill(0, at, at + 2 * TAR_BLOCK);
        at += 2 * TAR_BLOCK;
        continue;
      }
      const { entry, tarName } = item;
      const size = entry.kind === 'file' ? entry.size : 0;
      const type = entry.kind === 'dir' ? 'directory' : entry.kind;
      const linkname = entry.linkTarget ?? '';
      writeTarHeader(tar, at, tarName, type, entry.mode, size, linkname);
      at += tarHeaderLength(tarName, linkname);
      if (entry.kind !== 'file') continue;
      const start = at;
      const whole = entry.readSync?.();
      if (whole) {
        checkSize(entry.path, size, whole.length);
        tar.set(whole, at);
        at += whole.length;
      } else if (entry.read) {
        for await (const chunk of entry.read()) {
          if (at + chunk.length > start + size) checkSize(entry.path, size, at - start + chunk.length);
          tar.set(chunk, at);
          at += chunk.length;
        }
      }
      checkSize(entry.path, size, at - start);
      tar.fill(0, at, at + tarPadding(size));
      at += tarPadding(size);
    }
    return tar;
  }

  /** Appends a group's tar bytes to the cache's tar file; where they went, or undefined without a cache or a key. */
  #keepTar(tar: Buffer, sha256: string | undefined): CachedMember['tar'] | undefined {
    const tars = this.#tars;
    if (!tars || sha256 === undefined) return undefined;
    const offset = tars.size;
    writeSync(tars.handle.fd, tar, 0, tar.length, offset);
    tars.size += tar.length;
    return { offset, length: tar.length, sha256 };
  }

  async #writeNext(): Promise<void> {
    const member = await this.#queue.shift();
    if (!member) return;
    this.#members += 1;
    const offset = this.#emit(member.bytes);
    if (member.key === undefined || !this.#cache) return;
    const sha256 = createHash('sha256').update(member.bytes).digest('hex');
    this.#record(member.key, offset, member.bytes.length, sha256, member.tar);
  }

  /** The member's entry in the cache's index (only with a cache). */
  #record(key: string, offset: number, length: number, sha256: string, tar: CachedMember['tar'] | undefined): void {
    this.#index.push({ key, offset, length, sha256, ...(tar && { tar }) });
  }

  /** Appends member bytes to the blob; returns where they start. */
  #emit(bytes: Buffer): number {
    this.#gzHash.update(bytes);
    const at = this.#size;
    this.#size += bytes.length;
    writeSync(this.#out.fd, bytes, 0, bytes.length, at);
    return at;
  }

  /**
   * A streamed file the last layer had with the same tar header (name, mode, size): read
   * once to find its key, then its member copied from the cache in chunks, hashed on the
   * way. False, with nothing changed, on a miss or a member that does not check out (the
   * caller then reads the file again and compresses it). A file seen for the first time or
   * with another size is not read twice: a cold build costs what it did.
   */
  async #reuseStreamed(
    header: Buffer,
    read: () => AsyncIterable<Uint8Array>,
    path: string,
    size: number,
  ): Promise<boolean> {
    const cache = this.#cache;
    const head = createHash('sha256').update(header).digest('hex');
    if (!cache?.hadStreamed(head)) return false;
    const tarHash = this.#tarHash.copy();
    const keyHash = createHash('sha256');
    const take = (bytes: Uint8Array) => {
      tarHash.update(bytes);
      keyHash.update(bytes);
    };
    take(header);
    let written = 0;
    for await (const chunk of read()) {
      written += chunk.length;
      take(chunk);
    }
    checkSize(path, size, written);
    take(Buffer.alloc(tarPadding(size)));
    const key = keyHash.digest('hex');
    const hit = await cache.stream(key);
    if (!hit) return false;
    const offset = this.#size;
    const gzHash = this.#gzHash.copy();
    const memberHash = createHash('sha256');
    for await (const chunk of hit.chunks) {
      memberHash.update(chunk);
      this.#emit(chunk);
    }
    const sha256 = memberHash.digest('hex');
    if (sha256 !== hit.sha256) {
      this.#gzHash = gzHash;
      this.#size = offset;
      return false;
    }
    this.#tarHash = tarHash;
    this.#members += 1;
    this.#index.push({ key, offset, length: this.#size - offset, sha256, head });
    return true;
  }

  /** A very large file as a member of its own, compressed while it is read (never held whole). */
  async #streamMember(
    header: Buffer,
    chunks: AsyncIterable<Uint8Array>,
    path: string,
    size: number,
    signal: AbortSignal,
  ): Promise<void> {
    this.#members += 1;
    this.#compressed += 1;
    const offset = this.#size;
    const keyHash = createHash('sha256');
    const memberHash = createHash('sha256');
    const gzip = createMemberStream();
    const drained = (async () => {
      let first = true;
      for await (const chunk of gzip as AsyncIterable<Buffer>) {
        if (first) unixMemberHeader(chunk);
        first = false;
        memberHash.update(chunk);
        this.#emit(chunk);
      }
    })();
    const send = async (bytes: Uint8Array) => {
      if (bytes.length === 0) return;
      this.#tarHash.update(bytes);
      keyHash.update(bytes);
      if (!gzip.write(bytes)) await Promise.race([once(gzip, 'drain', { signal }), drained]);
    };
    try {
      await send(header);
      let written = 0;
      for await (const chunk of chunks) {
        written += chunk.length;
        await send(chunk);
      }
      checkSize(path, size, written);
      await send(Buffer.alloc(tarPadding(size)));
      gzip.end();
      await drained;
    } catch (error) {
      gzip.destroy();
      await drained.catch(() => undefined);
      throw error;
    }
    if (!this.#cache) return;
    const length = this.#size - offset;
    const head = createHash('sha256').update(header).digest('hex');
    this.#index.push({ key: keyHash.digest('hex'), offset, length, sha256: memberHash.digest('hex'), head });
  }
}

function checkSize(path: string, size: number, written: number): void {
  if (written !== size) throw new Error(`${path} changed size while being read (${size} -> ${written} bytes)`);
}
