import { createHash, randomBytes } from 'node:crypto';
import { readSync } from 'node:fs';
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
  writeFile,
} from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { GZIP_MEMBER_FORMAT } from './gzip-member.js';

/**
 * The member cache: the gzip members of each layer root's last layer, so a rebuild
 * compresses only the groups whose tar bytes changed (`layer-writer.ts`). One pair of
 * files per root under `$XDG_CACHE_HOME/imagespec/oci-layers/` (else `~/.cache/...`):
 * `<root>.<nonce>.members`, the last layer blob itself (hard-linked from the build's temp
 * file: no second write), and `<root>.json`, its index (format, that file's name, and per
 * member its key, offset, length and sha256). A key is the sha256 of the group's
 * uncompressed tar bytes, so a member is found again whatever moved around it.
 *
 * Bounded: a root keeps only its last layer (older blobs of the root are removed after
 * each write), the directory the MAX_ROOTS roots written last within MAX_BYTES, and a
 * layer that cannot be linked is copied only up to COPY_MAX.
 *
 * Never trusted: each member read back is checked against its sha256 (a torn, truncated
 * or foreign file is a miss, recompressed); the blob gets a fresh name and the index is
 * written aside and renamed, so concurrent builds see a whole old or a whole new index,
 * and an index whose blob is gone (replaced by another build) only misses. The format line names zlib's version
 * and the gzip settings: the same group gives other bytes with another zlib, and a member
 * from it would make the blob differ from an uncached build.
 */

const INDEX_FORMAT = `imagespec-oci-layers/1 ${GZIP_MEMBER_FORMAT}`;

export interface CachedMember {
  readonly key: string;
  readonly offset: number;
  readonly length: number;
  readonly sha256: string;
  /** For a streamed file's member: the sha256 of its tar header (name, mode, size), which says whether to read it to find its key. */
  readonly head?: string;
}

interface CacheIndex {
  readonly format: string;
  readonly members: string;
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

/** What identifies a root across builds: where its files come from and where they go. */
export interface RootIdentity {
  readonly hostPath: string;
  readonly contextPath: string;
  readonly dest: string;
}

/** A member read back: its bytes, checked against the sha256 the index has for them. */
export interface CacheHit {
  readonly bytes: Buffer;
  readonly sha256: string;
}

/** Layers above this are cached only where they can be linked (no copy of a large layer on every build). */
const COPY_MAX = 256 * 1024 * 1024;
/** Roots kept (the current one and those written last), and their bytes beside the current one's. */
const MAX_ROOTS = 32;
const MAX_BYTES = 2 * 1024 * 1024 * 1024;

/** One root's cache for one build: the last layer's members to read, and the new layer to keep. */
export class RootCache {
  readonly #dir: string;
  readonly #id: string;
  readonly #previous: Map<string, CachedMember>;
  readonly #heads: Set<string>;
  readonly #previousFile: string | undefined;
  #reader: Promise<FileHandle | undefined> | undefined;

  private constructor(dir: string, id: string, previous: CacheIndex | undefined) {
    this.#dir = dir;
    this.#id = id;
    this.#previous = new Map(previous?.entries.map((entry) => [entry.key, entry]));
    this.#heads = new Set(previous?.entries.flatMap((entry) => (entry.head ? [entry.head] : [])));
    this.#previousFile = previous?.members;
  }

  /**
   * The root's cache, or undefined when the cache is off or would sit inside the root (a
   * HOME inside the source: writing it would change the tree it caches).
   */
  static async open(dir: string | undefined, root: RootIdentity): Promise<RootCache | undefined> {
    if (!dir || isInside(dir, resolve(root.hostPath))) return undefined;
    const id = createHash('sha256')
      .update(`${resolve(root.hostPath)}\0${root.contextPath}\0${root.dest}`)
      .digest('hex')
      .slice(0, 32);
    let index: CacheIndex | undefined;
    try {
      const parsed = JSON.parse(await readFile(join(dir, `${id}.json`), 'utf8')) as CacheIndex;
      if (parsed.format === INDEX_FORMAT && Array.isArray(parsed.entries) && typeof parsed.members === 'string') {
        index = parsed;
      }
    } catch {
      // No index yet, or one that does not parse: every group is compressed.
    }
    return new RootCache(dir, id, index);
  }

  /** Whether the last layer had a streamed file with this tar header (worth reading once more for its key). */
  hadStreamed(head: string): boolean {
    return this.#heads.has(head);
  }

  /** The member for a group's key, if the last layer had it and its bytes check out. */
  async read(key: string): Promise<CacheHit | undefined> {
    const entry = this.#previous.get(key);
    const handle = entry && (await this.#handle());
    if (!entry || !handle) return undefined;
    try {
      const bytes = Buffer.allocUnsafe(entry.length);
      const bytesRead = readSync(handle.fd, bytes, 0, entry.length, entry.offset);
      if (bytesRead !== entry.length) return undefined;
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      return sha256 === entry.sha256 ? { bytes, sha256 } : undefined;
    } catch {
      return undefined;
    }
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
    if (!this.#previousFile) return Promise.resolve(undefined);
    this.#reader ??= open(join(this.#dir, basename(this.#previousFile)), 'r').catch(() => undefined);
    return this.#reader;
  }

  /**
   * Keeps the finished layer blob as the root's last (hard-linked where the file system
   * allows, else copied), then its index, then drops the root's older blobs. A failure
   * only leaves the cache as it was: the build does not depend on it.
   */
  async commit(blob: string, size: number, entries: readonly CachedMember[]): Promise<void> {
    await this.close();
    const name = `${this.#id}.${randomBytes(6).toString('hex')}.members`;
    const kept = join(this.#dir, name);
    try {
      await mkdir(this.#dir, { recursive: true });
      try {
        await link(blob, kept);
      } catch {
        if (size > COPY_MAX) return;
        const temp = `${kept}.tmp`;
        await copyFile(blob, temp);
        await rename(temp, kept);
      }
      const index: CacheIndex = { format: INDEX_FORMAT, members: name, entries };
      const indexTemp = join(this.#dir, `${this.#id}.json.${randomBytes(6).toString('hex')}.tmp`);
      await writeFile(indexTemp, JSON.stringify(index));
      await rename(indexTemp, join(this.#dir, `${this.#id}.json`));
    } catch {
      await rm(kept, { force: true }).catch(() => undefined);
      return;
    }
    await this.#prune(name).catch(() => undefined);
  }

  async close(): Promise<void> {
    const reader = this.#reader;
    this.#reader = undefined;
    await (await reader)?.close().catch(() => undefined);
  }

  /**
   * This root's older blobs; other roots beyond the MAX_ROOTS written last or beyond
   * MAX_BYTES (a temp project per test run, a clone per branch: roots come and go); temp
   * files left by a crashed build (an hour old).
   */
  async #prune(kept: string): Promise<void> {
    const now = Date.now();
    const others = new Map<string, { at: number; bytes: number; files: string[] }>();
    for (const name of await readdir(this.#dir)) {
      const path = join(this.#dir, name);
      const id = name.slice(0, name.indexOf('.'));
      if (id === this.#id && name.endsWith('.members')) {
        if (name !== kept) await rm(path, { force: true });
        continue;
      }
      const info = await stat(path).catch(() => undefined);
      if (!info) continue;
      if (name.endsWith('.tmp')) {
        if (now - info.mtimeMs > 3_600_000) await rm(path, { force: true });
        continue;
      }
      if (id === this.#id) continue;
      const root = others.get(id) ?? { at: 0, bytes: 0, files: [] };
      // The index first: a reader that finds it finds its blob, or misses.
      if (name.endsWith('.json')) root.files.unshift(path);
      else root.files.push(path);
      root.bytes += info.size;
      if (name.endsWith('.json')) root.at = info.mtimeMs;
      others.set(id, root);
    }
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

function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}
