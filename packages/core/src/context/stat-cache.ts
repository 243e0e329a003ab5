import { createHash } from 'node:crypto';
import { type BigIntStats, lstatSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { isInside } from './project.js';
import type { ContextFile } from './walk.js';

/**
 * The stat cache of file digests, as git's index and Bazel's action cache keep one: a file
 * whose stat (size, mtime and ctime in ns, inode, device, mode) is what it was when it was
 * hashed is not read again. One JSON file per project under the user's cache directory
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
 */

/** The file's format; a file of another is ignored (and replaced at the next save). */
export const STAT_CACHE_FORMAT = 'imagespec-stat-cache/1';
/**
 * The racy window. Linux stamps files from a clock up to a tick (1-10 ms) behind the
 * time of day, some filesystems keep whole or even seconds (FAT: 2 s): wide enough for
 * all of them, and only files changed within it before a run are hashed one run more.
 */
export const RACY_NS = 3_000_000_000n;

interface CacheFileShape {
  readonly format: string;
  /** Tree root (absolute) -> path in the tree -> `<stamp>:<sha256>`. */
  readonly trees: Record<string, Record<string, string>>;
}

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
  return join(dir, `${name}.json`);
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
  #trees: Record<string, Record<string, string>> | undefined;
  #dirty = false;

  constructor(file: string, now: () => bigint = nowNs) {
    this.#file = file;
    this.#now = now;
  }

  /** One hashing of the tree at `root` (see TreeRun). */
  tree(root: string): TreeRun {
    const trees = this.#load();
    const key = resolve(root);
    return new TreeRun(trees[key], this.#now() - RACY_NS, (entries, changed) => {
      trees[key] = entries;
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
      const content: CacheFileShape = { format: STAT_CACHE_FORMAT, trees: this.#trees };
      writeFileSync(temp, JSON.stringify(content), { mode: 0o600 });
      renameSync(temp, this.#file);
    } catch {
      rmSync(temp, { force: true });
    }
  }

  #load(): Record<string, Record<string, string>> {
    if (this.#trees) return this.#trees;
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(this.#file, 'utf8'));
    } catch (error) {
      // Missing is the first run; anything else is a corrupt file, rewritten at the next save.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.#dirty = true;
    }
    const shape = parsed as Partial<CacheFileShape> | undefined;
    if (shape?.format === STAT_CACHE_FORMAT && isRecord(shape.trees)) {
      this.#trees = shape.trees;
    } else {
      if (parsed !== undefined) this.#dirty = true;
      this.#trees = Object.create(null) as Record<string, Record<string, string>>;
    }
    return this.#trees;
  }
}

/**
 * One hashing of one tree: `known` for each file the walk lists, then `hashed` with the
 * digests of the files it did not know. The tree's entries are replaced by what this run
 * saw, so files that are gone drop out of the cache.
 */
export class TreeRun {
  readonly #old: Record<string, string> | undefined;
  readonly #entries: Record<string, string> = Object.create(null);
  /** Stamps of the files `known` did not know and that are old enough to record. */
  readonly #stamps = new Map<string, string>();
  readonly #racyFrom: bigint;
  readonly #end: (entries: Record<string, string>, changed: boolean) => void;
  #kept = 0;

  constructor(
    old: Record<string, string> | undefined,
    racyFrom: bigint,
    end: (entries: Record<string, string>, changed: boolean) => void,
  ) {
    this.#old = isRecord(old) ? old : undefined;
    this.#racyFrom = racyFrom;
    this.#end = end;
  }

  /** The recorded sha256 of a walked file whose stat is unchanged, else undefined (hash it). */
  known(file: ContextFile): string | undefined {
    const stamp = file.stamp ?? stampOf(file.absPath);
    if (stamp === undefined) return undefined;
    const old = this.#old?.[file.path];
    if (
      typeof old === 'string' &&
      old.length === stamp.length + 65 &&
      old.startsWith(stamp) &&
      old.charCodeAt(stamp.length) === 0x3a
    ) {
      this.#entries[file.path] = old;
      this.#kept++;
      return old.slice(stamp.length + 1);
    }
    const [, mtimeNs, ctimeNs] = stamp.split(':', 3);
    if (BigInt(mtimeNs!) < this.#racyFrom && BigInt(ctimeNs!) < this.#racyFrom) this.#stamps.set(file.path, stamp);
    return undefined;
  }

  /** After hashing what `known` did not know (`sums[i]` is the sha256 of `files[i]`): records them, ends the run. */
  hashed(files: readonly ContextFile[], sums: readonly string[]): void {
    for (let i = 0; i < files.length; i++) {
      const stamp = this.#stamps.get(files[i]!.path);
      if (stamp !== undefined) this.#entries[files[i]!.path] = `${stamp}:${sums[i]}`;
    }
    const before = this.#old ? Object.keys(this.#old).length : 0;
    this.#end(this.#entries, this.#stamps.size > 0 || this.#kept !== before);
  }
}

/** What a file's digest is keyed on: size, mtime and ctime in ns, inode, device, mode (`size:mtimeNs:ctimeNs:ino:dev:mode`). */
export function statStamp(stats: BigIntStats): string {
  return `${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}:${stats.ino}:${stats.dev}:${stats.mode}`;
}

/** The stamp of a regular file, undefined when it is gone, unreadable or no longer a file (hashing it says what is wrong). */
function stampOf(absPath: string): string | undefined {
  try {
    const stats = lstatSync(absPath, { bigint: true });
    return stats.isFile() ? statStamp(stats) : undefined;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, never> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nowNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}
