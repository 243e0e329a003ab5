import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import { writeSync } from 'node:fs';
import { type FileHandle, open, rm } from 'node:fs/promises';
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
import { type CachedMember, RootCache } from './layer-cache.js';
import { fileRootPath, imagePath, type LayerRoot } from './layer-roots.js';

/** A layer written to a temp file: its blob digest and size (gzip), its diff id (tar), and how its members were made. */
export interface WrittenLayer {
  readonly root: LayerRoot;
  readonly file: string;
  readonly digest: string;
  readonly diffId: string;
  readonly size: number;
  /** gzip members in the blob, and how many of them were compressed (the rest came from the member cache). */
  readonly members: number;
  readonly compressed: number;
}

export interface WriteLayersOptions {
  /** The member cache's directory (`layerCacheDir`); undefined: no cache, every group compressed. */
  readonly cacheDir?: string | undefined;
}

/** Groups compressed or read back at once per layer: both cores busy, at most IN_FLIGHT x STREAM_FILE held. */
const IN_FLIGHT = 4;
/** Pieces below this are copied into a scratch buffer, so a group is a few parts to hash and join. */
const COPY_BELOW = 64 * 1024;
const SCRATCH = 1024 * 1024;

/**
 * Writes one layer per root from the context's entries (one pass over the listing the tag
 * was computed from; each file's bytes are checked against its digest as they stream).
 * A layer is a deterministic tar: entries in the listing's order, mtime 0, uid/gid 0, no
 * names, modes as the context has them; gzipped as a series of members, one per group of
 * entries (`gzip-member.ts`), each the same bytes whether compressed now or read back
 * from the member cache (`layer-cache.ts`). Both digests are computed while writing.
 */
export async function writeLayers(
  entries: AsyncIterable<ContextSyncEntry>,
  roots: readonly LayerRoot[],
  dir: string,
  signal: AbortSignal,
  options: WriteLayersOptions = {},
): Promise<WrittenLayer[]> {
  const writers = await Promise.all(
    roots.map((root, index) => LayerFile.create(root, join(dir, `layer-${index}.tar.gz`), options.cacheDir)),
  );
  try {
    for await (const entry of entries) {
      signal.throwIfAborted();
      const index = roots.findIndex(
        (root) => entry.path === root.entry.contextPath || entry.path.startsWith(`${root.entry.contextPath}/`),
      );
      const writer = writers[index];
      if (!writer) continue;
      const name =
        entry.path === writer.root.entry.contextPath
          ? rootName(entry, writer.root)
          : imagePath(writer.root.entry, entry.path);
      if (name === undefined) continue;
      const waiting = writer.add(entry, name, signal);
      if (waiting) await waiting;
    }
    return await Promise.all(writers.map((writer) => writer.finish()));
  } catch (error) {
    await Promise.all(writers.map((writer) => writer.destroy()));
    throw error;
  }
}

/** A root that is a file lands at its destination; a root directory itself gets no entry. */
function rootName(entry: ContextSyncEntry, root: LayerRoot): string | undefined {
  return entry.kind === 'dir' ? undefined : fileRootPath(root.entry);
}

interface Member {
  readonly key: string;
  readonly bytes: Buffer;
  /** Known for a member read back from the cache; computed for a new one only when there is a cache to keep it in. */
  readonly sha256?: string;
}

class LayerFile {
  readonly root: LayerRoot;
  readonly #file: string;
  readonly #out: FileHandle;
  readonly #cache: RootCache | undefined;
  #tarHash: Hash = createHash('sha256');
  #gzHash: Hash = createHash('sha256');
  #size = 0;
  #group: Buffer[] = [];
  #groupBytes = 0;
  /** Where the open group's small pieces are copied; `#start` to `#used` not yet in `#group`. */
  #scratch: Buffer | undefined;
  #start = 0;
  #used = 0;
  /** Groups being compressed or read back, in blob order. */
  readonly #queue: Promise<Member>[] = [];
  /** The blob's members as the cache indexes them. */
  readonly #index: CachedMember[] = [];
  #members = 0;
  #compressed = 0;

  private constructor(root: LayerRoot, file: string, out: FileHandle, cache: RootCache | undefined) {
    this.root = root;
    this.#file = file;
    this.#out = out;
    this.#cache = cache;
  }

  static async create(root: LayerRoot, file: string, cacheDir: string | undefined): Promise<LayerFile> {
    const cache = await RootCache.open(cacheDir, root.entry);
    // A fresh file even where one is left: the cache may hold the old one as a hard link, which writing over would change.
    await rm(file, { force: true });
    return new LayerFile(root, file, await open(file, 'wx'), cache);
  }

  /**
   * Adds one entry. A promise only when the entry has to wait (a file read in chunks, a
   * group closed while the queue is full): most entries are small files, read in one
   * blocking call (`readSync`), and a thousand awaits cost more than their bytes.
   */
  add(entry: ContextSyncEntry, name: string, signal: AbortSignal): Promise<void> | undefined {
    const size = entry.kind === 'file' ? entry.size : 0;
    const bytes = entry.kind === 'file' && size < LARGE_FILE ? entry.readSync?.() : undefined;
    if (entry.kind === 'file' && bytes === undefined) return this.#addRead(entry, name, signal);
    this.#header(entry, name, size);
    if (bytes) {
      checkSize(entry.path, size, bytes.length);
      this.#append(bytes);
      this.#pad(size);
    }
    if (endsGroup(name) || this.#groupBytes >= GROUP_MAX) return this.#endGroup();
    return undefined;
  }

  /** A file read through `read()`: large, streamed, or from a core without `readSync`. */
  async #addRead(entry: ContextSyncEntry, name: string, signal: AbortSignal): Promise<void> {
    const { size } = entry;
    const read = entry.read?.bind(entry);
    if (read && size >= STREAM_FILE) {
      const tarName = name;
      const linkname = entry.linkTarget ?? '';
      const header = Buffer.alloc(tarHeaderLength(tarName, linkname));
      writeTarHeader(header, 0, tarName, 'file', entry.mode, size, linkname);
      await this.#endGroup();
      while (this.#queue.length > 0) await this.#writeNext();
      if (await this.#reuseStreamed(header, read, entry.path, size)) return;
      await this.#streamMember(header, read(), entry.path, size, signal);
      return;
    }
    if (size >= LARGE_FILE) await this.#endGroup();
    this.#header(entry, name, size);
    if (read) {
      let written = 0;
      for await (const chunk of read()) {
        written += chunk.length;
        this.#append(chunk);
      }
      checkSize(entry.path, size, written);
      this.#pad(size);
    }
    if (size >= LARGE_FILE || endsGroup(name) || this.#groupBytes >= GROUP_MAX) await this.#endGroup();
  }

  /** The entry's tar header, written straight into the scratch buffer. */
  #header(entry: ContextSyncEntry, name: string, size: number): void {
    const type = entry.kind === 'dir' ? 'directory' : entry.kind;
    const tarName = entry.kind === 'dir' ? `${name}/` : name;
    const linkname = entry.linkTarget ?? '';
    const length = tarHeaderLength(tarName, linkname);
    writeTarHeader(this.#room(length), this.#used, tarName, type, entry.mode, size, linkname);
    this.#used += length;
    this.#groupBytes += length;
  }

  #pad(size: number): void {
    const pad = tarPadding(size);
    this.#room(pad).fill(0, this.#used, this.#used + pad);
    this.#used += pad;
    this.#groupBytes += pad;
  }

  async finish(): Promise<WrittenLayer> {
    this.#append(Buffer.alloc(2 * TAR_BLOCK));
    await this.#endGroup();
    while (this.#queue.length > 0) await this.#writeNext();
    // A cached member found bad while it was copied leaves bytes past the end once replaced by a shorter one.
    await this.#out.truncate(this.#size);
    await this.#out.close();
    await this.#cache?.commit(this.#file, this.#size, this.#index);
    return {
      root: this.root,
      file: this.#file,
      digest: `sha256:${this.#gzHash.digest('hex')}`,
      diffId: `sha256:${this.#tarHash.digest('hex')}`,
      size: this.#size,
      members: this.#members,
      compressed: this.#compressed,
    };
  }

  async destroy(): Promise<void> {
    await Promise.allSettled(this.#queue);
    await this.#out.close().catch(() => undefined);
    await this.#cache?.close();
  }

  /** Small pieces are copied into the group's scratch buffer; large ones are kept as they are, after it. */
  #append(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    if (bytes.length < COPY_BELOW) {
      const scratch = this.#room(bytes.length);
      scratch.set(bytes, this.#used);
      this.#used += bytes.length;
    } else {
      this.#seal();
      this.#group.push(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
    }
    this.#groupBytes += bytes.length;
  }

  /** The scratch buffer, with room for `length` more bytes at `#used`. */
  #room(length: number): Buffer {
    if (this.#scratch && this.#used + length <= this.#scratch.length) return this.#scratch;
    this.#seal();
    this.#scratch = Buffer.allocUnsafe(Math.max(SCRATCH, length));
    this.#start = this.#used = 0;
    return this.#scratch;
  }

  /** Moves the scratch buffer's bytes into the group's parts; the next bytes go to a new buffer (the parts are read later). */
  #seal(): void {
    if (this.#scratch && this.#used > this.#start) this.#group.push(this.#scratch.subarray(this.#start, this.#used));
    this.#start = this.#used;
  }

  /** Closes the open group: read back from the cache by its key, or compressed on the thread pool. */
  async #endGroup(): Promise<void> {
    if (this.#groupBytes === 0) return;
    this.#seal();
    // One update per part, not per tar piece: a small file's header, bytes and padding are one part.
    const groupHash = createHash('sha256');
    for (const part of this.#group) {
      this.#tarHash.update(part);
      groupHash.update(part);
    }
    const key = groupHash.digest('hex');
    const member = this.#member(key, this.#group, this.#groupBytes);
    this.#group = [];
    this.#groupBytes = 0;
    // Awaited in order by #writeNext; a failure meanwhile must not count as unhandled.
    member.catch(() => undefined);
    this.#queue.push(member);
    while (this.#queue.length >= IN_FLIGHT) await this.#writeNext();
  }

  /** A group's member: read back from the cache, else compressed (the group's bytes joined only then). */
  async #member(key: string, parts: readonly Buffer[], length: number): Promise<Member> {
    const cached = await this.#cache?.read(key);
    if (cached) return { key, bytes: cached.bytes, sha256: cached.sha256 };
    this.#compressed += 1;
    return { key, bytes: await compressMember(Buffer.concat(parts, length)) };
  }

  async #writeNext(): Promise<void> {
    const member = await this.#queue.shift();
    if (!member) return;
    this.#members += 1;
    const offset = this.#size;
    await this.#emit(member.bytes);
    if (!this.#cache) return;
    const sha256 = member.sha256 ?? createHash('sha256').update(member.bytes).digest('hex');
    this.#index.push({ key: member.key, offset, length: member.bytes.length, sha256 });
  }

  async #emit(bytes: Buffer): Promise<void> {
    this.#gzHash.update(bytes);
    const at = this.#size;
    this.#size += bytes.length;
    writeSync(this.#out.fd, bytes, 0, bytes.length, at);
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
      await this.#emit(chunk);
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
        await this.#emit(chunk);
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
