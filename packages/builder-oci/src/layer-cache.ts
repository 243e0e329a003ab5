import { createHash, randomBytes } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import {
  copyFile,
  type FileHandle,
  link,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  truncate,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { ImagespecError } from '@imagespec/core/builder';
import { GROUP_FORMAT, GZIP_MEMBER_FORMAT } from './gzip-member.js';

/**
 * The member cache: each layer's last blob, so a rebuild reads and compresses only the
 * groups that changed (`layer-writer.ts`), and a layer whose listing did not change is not
 * read at all. Per layer (a root's shard, `<root>-<i>of<n>`) under
 * `$XDG_CACHE_HOME/imagespec/oci-layers/` (else `~/.cache/...`): `<layer>.<nonce>.members`,
 * the last layer blob itself (hard-linked from the build's temp file: no second write);
 * `<layer>.<nonce>.tar`, the uncompressed tar bytes of its groups (the diff id is a sha256
 * over the whole tar, so an unchanged group of a changed layer still needs its bytes, and
 * reading them here is one call where reading its files is three per file); and
 * `<layer>.json`, the index (format, the two files' names, the layer's key, digests and
 * size, and per member its key, offset, length and sha256, and where its tar bytes are
 * with their sha256). A layer's key, like a group's, is a sha256 of what makes its
 * tar bytes: each entry's name, type, mode, size, link target and content digest, as the
 * listing the tag was computed from gives them; a group is found again whatever moved
 * around it, without reading its files. A streamed file's member is keyed by its tar
 * bytes and keeps no tar bytes here (it would double the cache of a large file).
 *
 * Bounded: a layer keeps only its last blob (its older files are removed after each
 * write, and a root's shards of another count), the directory the MAX_ROOTS roots written
 * or reused last within MAX_BYTES, and a layer that cannot be linked is copied only up to
 * COPY_MAX.
 *
 * Never trusted: each member and each group's tar bytes read back are checked against
 * their sha256 (a torn, truncated or foreign file is a miss: the group's files are read
 * and compressed); a layer reused whole is checked by size, and by its digest wherever
 * its bytes are sent (`checkReusedBlob`); the files get fresh names and the index is written aside and renamed,
 * so concurrent builds see a whole old or a whole new index, and an index whose files are
 * gone (replaced by another build) only misses. The format line names zlib's version and
 * the gzip settings and where groups are cut: the same group gives other bytes with
 * another zlib, and a member from it would make the blob differ from an uncached build.
 */

const INDEX_FORMAT = `imagespec-oci-layers/3 ${GZIP_MEMBER_FORMAT} ${GROUP_FORMAT}`;

export interface CachedMember {
  readonly key: string;
  readonly offset: number;
  readonly length: number;
  readonly sha256: string;
  /** For a streamed file's member: the sha256 of its tar header (name, mode, size), which says whether to read it to find its key. */
  readonly head?: string;
  /** For a group's member: where its uncompressed tar bytes are in the tar file, and their sha256. */
  readonly tar?: { readonly offset: number; readonly length: number; readonly sha256: string };
}

/** A whole layer as the index keeps it: the key of its listing, and the blob it gave. */
export interface CachedLayer {
  readonly key: string;
  readonly digest: string;
  readonly diffId: string;
  readonly size: number;
  readonly members: number;
}

interface CacheIndex {
  readonly format: string;
  readonly members: string;
  readonly tars: string;
  readonly layer?: CachedLayer;
  readonly entries: readonly CachedMember[];
}

/**
 * Where the cache lives, or undefined when it is off: IMAGESPEC_NO_CACHE, as core's stat
 * cache reads it, and the same base directory.
 */
export function layerCacheDir(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const off = env.IMAGESPEC_NO_CACHE;
  if (off !== undefined && off !== '' && off !== '0') return undefined;
  // XDG: a relative XDG_CACHE_HOME is invalid and to be ignored.
  const xdg = env.XDG_CACHE_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : join(env.HOME || homedir(), '.cache');
  return join(resolve(base), 'imagespec', 'oci-layers');
}

/** What identifies a layer across builds: where its root's files come from and go, and which shard of how many it is. */
export interface LayerIdentity {
  readonly hostPath: string;
  readonly contextPath: string;
  readonly dest: string;
  readonly shard: { readonly index: number; readonly count: number };
}

/** A group read back: its member and its tar bytes (views, valid until the cache's next read), each checked against the sha256 the index has for it. */
export interface CachedGroup {
  readonly member: Buffer;
  readonly sha256: string;
  readonly tar: Buffer;
  readonly tarSha256: string;
}

/** Layers above this are cached only where they can be linked (no copy of a large layer on every build). */
const COPY_MAX = 256 * 1024 * 1024;
/** Roots kept (the current one and those written or reused last), and their bytes beside the current one's. */
const MAX_ROOTS = 32;
const MAX_BYTES = 2 * 1024 * 1024 * 1024;

/** One layer's cache for one build: the last blob (reused whole, or its members read), and the new one to keep. */
export class LayerCache {
  readonly #dir: string;
  /** `<root>-<i>of<n>`: the root's part names its other shards (kept with it), the rest this shard. */
  readonly #id: string;
  readonly #previous: Map<string, CachedMember>;
  readonly #heads: Set<string>;
  readonly #last: CacheIndex | undefined;
  #reader: Promise<FileHandle | undefined> | undefined;
  /** Blocking descriptors of the last layer's files: a group's two reads are on the build's critical path. */
  #fds: { members: number; tars: number } | null | undefined;
  readonly #buffers: { member: Buffer; tar: Buffer } = { member: Buffer.alloc(0), tar: Buffer.alloc(0) };

  private constructor(dir: string, id: string, previous: CacheIndex | undefined) {
    this.#dir = dir;
    this.#id = id;
    this.#previous = new Map(previous?.entries.map((entry) => [entry.key, entry]));
    this.#heads = new Set(previous?.entries.flatMap((entry) => (entry.head ? [entry.head] : [])));
    this.#last = previous;
  }

  /**
   * The layer's cache, or undefined when the cache is off or would sit inside the root (a
   * HOME inside the source: writing it would change the tree it caches).
   */
  static async open(dir: string | undefined, layer: LayerIdentity): Promise<LayerCache | undefined> {
    if (!dir || isInside(dir, resolve(layer.hostPath))) return undefined;
    const root = createHash('sha256')
      .update(`${resolve(layer.hostPath)}\0${layer.contextPath}\0${layer.dest}`)
      .digest('hex')
      .slice(0, 32);
    const id = `${root}-${layer.shard.index}of${layer.shard.count}`;
    let index: CacheIndex | undefined;
    try {
      const parsed = JSON.parse(await readFile(join(dir, `${id}.json`), 'utf8')) as CacheIndex;
      if (
        parsed.format === INDEX_FORMAT &&
        Array.isArray(parsed.entries) &&
        typeof parsed.members === 'string' &&
        typeof parsed.tars === 'string'
      ) {
        index = parsed;
      }
    } catch {
      // No index yet, or one that does not parse: every group is compressed.
    }
    return new LayerCache(dir, id, index);
  }

  /**
   * The last blob, when it was made from a listing with this key, checked by size: hard-linked
   * to `file` (a concurrent build's prune then cannot take it mid-upload), or where linking
   * fails (the cache on another file system than the temp dir) the cache's own file, which
   * such a prune could only make fail, never change. Undefined on a miss; its `kept`
   * refreshes the index's time, which keeps a root in use from being pruned as old.
   */
  async reuse(
    key: string,
    file: string,
  ): Promise<{ layer: CachedLayer; file: string; kept: Promise<void> } | undefined> {
    const last = this.#last;
    const layer = last?.layer;
    if (!last || !layer || layer.key !== key) return undefined;
    const cached = join(this.#dir, basename(last.members));
    let path = file;
    try {
      await link(cached, file);
    } catch {
      path = cached;
    }
    try {
      if ((await stat(path)).size !== layer.size) throw new Error('another size');
    } catch {
      if (path === file) await rm(file, { force: true });
      return undefined;
    }
    const now = new Date();
    const index = join(this.#dir, `${this.#id}.json`);
    return { layer, file: path, kept: utimes(index, now, now).catch(() => undefined) };
  }

  /** Whether the last layer had a group with this key (whose bytes `group` then reads and checks). */
  has(key: string): boolean {
    return this.#previous.get(key)?.tar !== undefined;
  }

  /** Whether the last layer had a streamed file with this tar header (worth reading once more for its key). */
  hadStreamed(head: string): boolean {
    return this.#heads.has(head);
  }

  /**
   * The group for a key, if the last layer had it and its member and tar bytes check out.
   * Both are views of buffers this cache reuses, valid until its next call: fresh buffers
   * per group cost more in page faults than the reads themselves on these machines.
   */
  group(key: string): CachedGroup | undefined {
    const entry = this.#previous.get(key);
    const fds = entry?.tar && this.#openFds();
    if (!entry?.tar || !fds) return undefined;
    this.#buffers.member = roomFor(this.#buffers.member, entry.length);
    this.#buffers.tar = roomFor(this.#buffers.tar, entry.tar.length);
    const member = readExactly(fds.members, this.#buffers.member, entry.offset, entry.length);
    const tar = readExactly(fds.tars, this.#buffers.tar, entry.tar.offset, entry.tar.length);
    if (!member || !tar) return undefined;
    if (sha256Of(member) !== entry.sha256 || sha256Of(tar) !== entry.tar.sha256) return undefined;
    return { member, sha256: entry.sha256, tar, tarSha256: entry.tar.sha256 };
  }

  #openFds(): { members: number; tars: number } | undefined {
    if (this.#fds === undefined) {
      const index = this.#last;
      let members: number | undefined;
      try {
        if (!index) throw new Error('no index');
        members = openSync(join(this.#dir, basename(index.members)), 'r');
        this.#fds = { members, tars: openSync(join(this.#dir, basename(index.tars)), 'r') };
      } catch {
        if (members !== undefined) closeSync(members);
        this.#fds = null;
      }
    }
    return this.#fds ?? undefined;
  }

  /**
   * A large member's bytes in chunks, unchecked: the caller hashes them as it writes them
   * and compares with `sha256`, and drops them on a mismatch. Undefined on a miss.
   */
  async stream(key: string): Promise<{ chunks: AsyncIterable<Buffer>; sha256: string } | undefined> {
    const entry = this.#previous.get(key);
    const handle = entry && (await this.#handle());
    if (!entry || !handle) return undefined;
    return { chunks: readRange(handle, entry.offset, entry.length), sha256: entry.sha256 };
  }

  #handle(): Promise<FileHandle | undefined> {
    if (!this.#last) return Promise.resolve(undefined);
    this.#reader ??= open(join(this.#dir, basename(this.#last.members)), 'r').catch(() => undefined);
    return this.#reader;
  }

  /**
   * Keeps the finished layer blob and its groups' tar bytes as the root's last (each
   * hard-linked where the file system allows, else copied), then its index, then drops
   * the root's older files. A failure only leaves the cache as it was: the build does not
   * depend on it.
   */
  async commit(
    blob: { readonly file: string; readonly size: number },
    tars: { readonly file: string; readonly size: number },
    entries: readonly CachedMember[],
    layer: CachedLayer | undefined,
  ): Promise<void> {
    await this.close();
    const nonce = randomBytes(6).toString('hex');
    const names = { members: `${this.#id}.${nonce}.members`, tars: `${this.#id}.${nonce}.tar` };
    const kept = [join(this.#dir, names.members), join(this.#dir, names.tars)];
    try {
      await mkdir(this.#dir, { recursive: true });
      if (!(await keep(blob, kept[0]!)) || !(await keep(tars, kept[1]!))) throw new Error('not kept');
      const index: CacheIndex = { format: INDEX_FORMAT, ...names, ...(layer && { layer }), entries };
      const indexTemp = join(this.#dir, `${this.#id}.json.${randomBytes(6).toString('hex')}.tmp`);
      await writeFile(indexTemp, JSON.stringify(index));
      await rename(indexTemp, join(this.#dir, `${this.#id}.json`));
    } catch {
      await Promise.all(kept.map((file) => rm(file, { force: true }).catch(() => undefined)));
      return;
    }
    await this.#prune(nonce).catch(() => undefined);
  }

  async close(): Promise<void> {
    const reader = this.#reader;
    this.#reader = undefined;
    if (this.#fds) {
      closeSync(this.#fds.members);
      closeSync(this.#fds.tars);
    }
    this.#fds = null;
    await (await reader)?.close().catch(() => undefined);
  }

  /**
   * This layer's older blobs; its root's shards of another count (the root grew or
   * shrank past a shard boundary); other roots beyond the MAX_ROOTS written last or beyond
   * MAX_BYTES (a temp project per test run, a clone per branch: roots come and go); temp
   * files left by a crashed build (an hour old).
   */
  async #prune(nonce: string): Promise<void> {
    const now = Date.now();
    const [root, count] = rootAndCount(this.#id);
    const others = new Map<string, { at: number; bytes: number; files: string[] }>();
    const names = await readdir(this.#dir);
    // All at once: one libuv round trip per file costs more than the stat, and a build waits for this.
    const infos = await Promise.all(names.map((name) => stat(join(this.#dir, name)).catch(() => undefined)));
    const removals: Promise<void>[] = [];
    for (const [i, name] of names.entries()) {
      const path = join(this.#dir, name);
      const id = name.slice(0, name.indexOf('.'));
      if (id === this.#id && (name.endsWith('.members') || name.endsWith('.tar'))) {
        if (!name.startsWith(`${this.#id}.${nonce}.`)) removals.push(rm(path, { force: true }));
        continue;
      }
      const info = infos[i];
      if (!info) continue;
      if (name.endsWith('.tmp')) {
        if (now - info.mtimeMs > 3_600_000) removals.push(rm(path, { force: true }));
        continue;
      }
      const [itsRoot, itsCount] = rootAndCount(id);
      if (itsRoot === root) {
        if (itsCount !== count) removals.push(rm(path, { force: true }));
        continue;
      }
      const other = others.get(itsRoot) ?? { at: 0, bytes: 0, files: [] };
      // The indexes first: a reader that finds one finds its blob, or misses.
      if (name.endsWith('.json')) other.files.unshift(path);
      else other.files.push(path);
      other.bytes += info.size;
      if (name.endsWith('.json')) other.at = Math.max(other.at, info.mtimeMs);
      others.set(itsRoot, other);
    }
    await Promise.all(removals);
    let roots = 1;
    let bytes = 0;
    for (const root of [...others.values()].sort((a, b) => b.at - a.at)) {
      roots += 1;
      bytes += root.bytes;
      if (roots <= MAX_ROOTS && bytes <= MAX_BYTES) continue;
      for (const file of root.files) await rm(file, { force: true });
    }
  }
}

const READ_CHUNK = 1024 * 1024;

async function* readRange(handle: FileHandle, offset: number, length: number): AsyncGenerator<Buffer> {
  for (let done = 0; done < length; ) {
    const chunk = Buffer.allocUnsafe(Math.min(READ_CHUNK, length - done));
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, offset + done);
    if (bytesRead === 0) return;
    done += bytesRead;
    yield chunk.subarray(0, bytesRead);
  }
}

/** A file kept under `path`: a hard link, else a copy up to COPY_MAX. */
async function keep(file: { readonly file: string; readonly size: number }, path: string): Promise<boolean> {
  try {
    await link(file.file, path);
    return true;
  } catch {
    if (file.size > COPY_MAX) return false;
    const temp = `${path}.tmp`;
    await copyFile(file.file, temp);
    await rename(temp, path);
    return true;
  }
}

/** `<root>-<i>of<n>` as its root and shard count (an id of another shape is its own root). */
function rootAndCount(id: string): [string, string] {
  const match = /^([0-9a-f]+)-\d+of(\d+)$/.exec(id);
  return match ? [match[1]!, match[2]!] : [id, ''];
}

/**
 * Checks a blob reused from the cache against its digest before its bytes go anywhere (an
 * upload, a local image): `reuse` checked only its size. A mismatch stops the build: the
 * bytes would not be the layer the manifest names.
 */
export async function checkReusedBlob(file: string, digest: string, cacheDir: string): Promise<void> {
  const hash = createHash('sha256');
  const handle = await open(file, 'r');
  try {
    for await (const chunk of handle.createReadStream({ autoClose: false })) hash.update(chunk as Buffer);
  } finally {
    await handle.close();
  }
  if (`sha256:${hash.digest('hex')}` === digest) return;
  // A hard link of the cache's file (as `reuse` makes it): emptied, the next build misses it and writes it again.
  await truncate(file, 0).catch(() => undefined);
  throw new ImagespecError(
    'BUILD_FAILED',
    `The layer cache's copy of layer ${digest} does not match its digest (it changed on disk after it was kept); nothing was sent, and the copy was dropped.`,
    {
      hint: `Build again. If it happens again, remove ${cacheDir}, or build with IMAGESPEC_NO_CACHE=1.`,
    },
  );
}

/** `buffer` when it holds `length` bytes, else a larger one. */
function roomFor(buffer: Buffer, length: number): Buffer {
  return buffer.length >= length ? buffer : Buffer.allocUnsafe(Math.max(length, 2 * buffer.length));
}

/** `length` bytes at `offset` into `buffer` (a view of them), or undefined when the file is shorter (truncated, replaced). */
function readExactly(fd: number, buffer: Buffer, offset: number, length: number): Buffer | undefined {
  const bytes = buffer.subarray(0, length);
  try {
    for (let done = 0; done < length; ) {
      const n = readSync(fd, bytes, done, length - done, offset + done);
      if (n === 0) return undefined;
      done += n;
    }
  } catch {
    return undefined;
  }
  return bytes;
}

function sha256Of(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}
