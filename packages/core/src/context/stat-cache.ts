import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { isInside } from './project.js';
import { statStamp } from './stat-stamp.js';
import { type ContextFile, compareBytes } from './walk.js';

/**
 * The stat cache of file digests, as git's index and Bazel's action cache keep one: a file
 * whose stat (size, mtime and ctime, inode, device, mode: stat-stamp.ts) is what it was when it was
 * hashed is not read again. One file per project under the user's cache directory
 * (`$XDG_CACHE_HOME/imagespec/stat-cache/`, else `~/.cache/imagespec/stat-cache/`), named
 * by the sha256 of the project's path; off with `IMAGESPEC_NO_CACHE=1`.
 *
 * What it cannot see, as git cannot: content changed with size, mtime and ctime all
 * restored (ctime only with the clock set back, which takes root). The build still reads
 * every byte it sends and checks it against the digest (tar-verify.ts), so such a stat
 * fails the build with CONTEXT_CHANGED; it never pushes other content under the tag.
 *
 * Racily clean files (git's term): a file changed in the same timestamp tick as it was
 * hashed keeps its stat. So a file is recorded only when its mtime and ctime are older
 * than the start of the run that hashed it by more than RACY_NS; a younger one is hashed
 * again next time, and recorded once it is old enough. (Git compares with the index's
 * write time; the run's start is earlier, so this trusts no more than git does.)
 *
 * Concurrent runs: the file is written aside and renamed over, so a reader sees a whole
 * old or a whole new file; the last writer wins. A file that does not parse or has
 * another format is ignored and rewritten.
 *
 * The format is git's idea too: records in the order the walk lists files, so a run
 * checks them with one forward pass over the text it read (no parse, no map of 10,000
 * keys: on the bench tree, loading and looking up the JSON form took more than the
 * lstat calls). The file is the format line, then per tree `<root>\0<n>\0` and n UTF-16
 * units of records `<path>\0<stamp>:<sha256>\0`; a NUL is in no path, stamp or digest.
 */

/** The file's first line; a file of another is ignored (and replaced at the next save). */
export const STAT_CACHE_FORMAT = 'imagespec-stat-cache/3';
/**
 * The racy window. Linux stamps files from a clock up to a tick (1-10 ms) behind the
 * time of day, some filesystems keep whole or even seconds (FAT: 2 s): wide enough for
 * all of them, and only files changed within it before a run are hashed one run more.
 */
export const RACY_NS = 3_000_000_000n;

export interface StatCacheOptions {
  /** Default `process.env`: IMAGESPEC_NO_CACHE, XDG_CACHE_HOME, HOME. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The current time in ns since the epoch (tests set it ahead to make files old enough). */
  readonly now?: () => bigint;
}

/**
 * Where the cache of `project` lives, or undefined when the cache is off: by
 * IMAGESPEC_NO_CACHE, or because the cache directory is inside the project (HOME set to a
 * project folder), where writing it would change the tree it describes.
 */
export function statCacheFile(
  project: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): string | undefined {
  const off = env.IMAGESPEC_NO_CACHE;
  if (off !== undefined && off !== '' && off !== '0') return undefined;
  // XDG: a relative XDG_CACHE_HOME is invalid and to be ignored.
  const xdg = env.XDG_CACHE_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : join(env.HOME || homedir(), '.cache');
  const dir = join(resolve(base), 'imagespec', 'stat-cache');
  if (isInside(dir, resolve(project))) return undefined;
  const name = createHash('sha256').update(resolve(project)).digest('hex').slice(0, 32);
  return join(dir, `${name}.cache`);
}

const open = new Map<string, StatCache>();

/**
 * The project's cache, loaded on first use and shared by the rest of the process (a base
 * spec and its dependents, several specs of one file); undefined when the cache is off.
 */
export function statCacheFor(project: string, options: StatCacheOptions = {}): StatCache | undefined {
  const file = statCacheFile(project, options.env);
  if (!file) return undefined;
  let cache = open.get(file);
  if (!cache) {
    cache = new StatCache(file, options.now ?? nowNs);
    open.set(file, cache);
  }
  return cache;
}

export class StatCache {
  readonly #file: string;
  readonly #now: () => bigint;
  /** Tree root (absolute) -> its records. */
  #trees: Map<string, string> | undefined;
  #dirty = false;

  constructor(file: string, now: () => bigint = nowNs) {
    this.#file = file;
    this.#now = now;
  }

  /** One hashing of the tree at `root` (see TreeRun). */
  tree(root: string): TreeRun {
    const trees = this.#load();
    const key = resolve(root);
    return new TreeRun(trees.get(key) ?? '', Number(this.#now() - RACY_NS) / 1e6, (records, changed) => {
      trees.set(key, records);
      if (changed) this.#dirty = true;
    });
  }

  /** Writes the cache if anything changed: aside, then renamed over. A failure only costs the next run its speed. */
  save(): void {
    if (!this.#dirty || !this.#trees) return;
    this.#dirty = false;
    const temp = `${this.#file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    try {
      mkdirSync(dirname(this.#file), { recursive: true, mode: 0o700 });
      const parts = [`${STAT_CACHE_FORMAT}\n`];
      for (const [root, records] of this.#trees) parts.push(`${root}\0${records.length}\0`, records);
      writeFileSync(temp, parts.join(''), { mode: 0o600 });
      renameSync(temp, this.#file);
    } catch {
      rmSync(temp, { force: true });
    }
  }

  #load(): Map<string, string> {
    if (this.#trees) return this.#trees;
    let text: string | undefined;
    try {
      text = readFileSync(this.#file, 'utf8');
    } catch (error) {
      // Missing is the first run; anything else is a corrupt file, rewritten at the next save.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.#dirty = true;
    }
    const trees = text === undefined ? undefined : parseStatCache(text);
    if (text !== undefined && !trees) this.#dirty = true;
    this.#trees = trees ?? new Map();
    return this.#trees;
  }
}

/**
 * The trees of a cache file's text, root -> records (pure); undefined when it is not a
 * whole file of this format.
 */
export function parseStatCache(text: string): Map<string, string> | undefined {
  const head = `${STAT_CACHE_FORMAT}\n`;
  if (!text.startsWith(head)) return undefined;
  const trees = new Map<string, string>();
  for (let at = head.length; at < text.length; ) {
    const rootEnd = text.indexOf('\0', at);
    const sizeEnd = rootEnd < 0 ? -1 : text.indexOf('\0', rootEnd + 1);
    const size = sizeEnd < 0 ? Number.NaN : Number(text.slice(rootEnd + 1, sizeEnd));
    if (!Number.isSafeInteger(size) || size < 0 || sizeEnd + 1 + size > text.length) return undefined;
    trees.set(text.slice(at, rootEnd), text.slice(sizeEnd + 1, sizeEnd + 1 + size));
    at = sizeEnd + 1 + size;
  }
  return trees;
}

/** Each record of a tree's records as [path, `<stamp>:<sha256>`] (pure; for tests and tools). */
export function statCacheRecords(records: string): [string, string][] {
  const list: [string, string][] = [];
  for (let at = 0; at < records.length; ) {
    const pathEnd = records.indexOf('\0', at);
    const valueEnd = pathEnd < 0 ? -1 : records.indexOf('\0', pathEnd + 1);
    if (valueEnd < 0) break;
    list.push([records.slice(at, pathEnd), records.slice(pathEnd + 1, valueEnd)]);
    at = valueEnd + 1;
  }
  return list;
}

/**
 * One hashing of one tree: `known` for each file the walk lists, in the walk's order, then
 * `hashed` with the digests of the files it did not know. The tree's records are replaced
 * by what this run saw, so files that are gone drop out of the cache.
 */
export class TreeRun {
  /** The records from the last run, in walk order, checked in one pass (`#at`). */
  readonly #old: string;
  #at = 0;
  /** Whether every old record so far was the next file and unchanged (then the records stay as they are). */
  #same = true;
  /** What this run keeps, in walk order: old records as [start, end) offsets, new files by path. */
  readonly #kept: (number | string)[] = [];
  /** Stamps of the files `known` did not know and that are old enough to record. */
  readonly #stamps = new Map<string, string>();
  /** Files changed since then (ms since the epoch) are not recorded. */
  readonly #racyFrom: number;
  readonly #end: (records: string, changed: boolean) => void;

  constructor(old: string, racyFrom: number, end: (records: string, changed: boolean) => void) {
    this.#old = old;
    this.#racyFrom = racyFrom;
    this.#end = end;
  }

  /** The recorded sha256 of a walked file whose stat is unchanged, else undefined (hash it). */
  known(file: ContextFile): string | undefined {
    const stamp = file.stamp ?? stampOf(file.absPath);
    if (stamp === undefined) return undefined;
    const start = this.#seek(file.path);
    if (start >= 0) {
      const old = this.#old;
      const value = start + file.path.length + 1;
      const end = old.indexOf('\0', value);
      this.#at = end < 0 ? old.length : end + 1;
      if (
        end === value + stamp.length + 65 &&
        old.startsWith(stamp, value) &&
        old.charCodeAt(value + stamp.length) === 0x3a
      ) {
        this.#kept.push(start, end + 1);
        return old.slice(end - 64, end);
      }
    }
    this.#same = false;
    const [, mtimeMs, ctimeMs] = stamp.split(':', 3);
    if (Number(mtimeMs) < this.#racyFrom && Number(ctimeMs) < this.#racyFrom) {
      this.#stamps.set(file.path, stamp);
      this.#kept.push(file.path);
    }
    return undefined;
  }

  /** After hashing what `known` did not know (`sums[i]` is the sha256 of `files[i]`): records them, ends the run. */
  hashed(files: readonly ContextFile[], sums: readonly string[]): void {
    if (this.#same && this.#at === this.#old.length) {
      this.#end(this.#old, false);
      return;
    }
    const digests = new Map<string, string>();
    for (let i = 0; i < files.length; i++) digests.set(files[i]!.path, sums[i]!);
    const parts: string[] = [];
    const kept = this.#kept;
    for (let i = 0; i < kept.length; i++) {
      const item = kept[i]!;
      if (typeof item === 'number') parts.push(this.#old.slice(item, kept[++i] as number));
      else if (digests.has(item)) parts.push(`${item}\0${this.#stamps.get(item)}:${digests.get(item)}\0`);
    }
    const records = parts.join('');
    this.#end(records, records !== this.#old);
  }

  /**
   * The offset of the old record of `path`, or -1; passes over records of paths that come
   * before it in walk order (files that are gone). Stops at a record that comes after it
   * (a new file) or one that does not parse (the rest is not trusted).
   */
  #seek(path: string): number {
    const old = this.#old;
    while (this.#at < old.length) {
      const start = this.#at;
      if (old.startsWith(path, start) && old.charCodeAt(start + path.length) === 0) return start;
      const pathEnd = old.indexOf('\0', start);
      const end = pathEnd < 0 ? -1 : old.indexOf('\0', pathEnd + 1);
      if (end < 0) {
        this.#at = old.length;
        return -1;
      }
      if (compareBytes(old.slice(start, pathEnd), path) > 0) return -1;
      this.#same = false;
      this.#at = end + 1;
    }
    return -1;
  }
}

/** The stamp of a regular file, undefined when it is gone, unreadable or no longer a file (hashing it says what is wrong). */
function stampOf(absPath: string): string | undefined {
  try {
    const stats = lstatSync(absPath);
    return stats.isFile() ? statStamp(stats) : undefined;
  } catch {
    return undefined;
  }
}

function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}
