import type { Dirent, Stats } from 'node:fs';
import { lstat, readdir, readlink, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import pLimit from 'p-limit';
import { ImagespecError } from '../errors.js';
import { createIgnoreMatcher, type IgnoreMatcher } from './ignore.js';

/**
 * One entry of a file tree as both the hash and the build context see it. The listing is
 * the single source of truth: `digestTree` hashes exactly what `createContextStream`
 * sends, so a tag can never describe files the build did not get.
 */
export interface ContextFile {
  /** POSIX path relative to the walked root; for a single-file root, its basename. */
  readonly path: string;
  readonly absPath: string;
  readonly kind: 'file' | 'symlink' | 'dir';
  /** Permission bits as on disk (`mode & 0o7777`). */
  readonly mode: number;
  /** Bytes, for files; 0 otherwise. */
  readonly size: number;
  /** For symlinks: the target as stored in the link (never followed). */
  readonly linkTarget?: string;
}

export interface WalkOptions {
  readonly signal?: AbortSignal;
}

/** How many readdir/lstat/readlink calls are in flight at once. */
const FS_CONCURRENCY = 32;

/**
 * Lists `hostPath` (a file or a directory; a symlink given as the root is followed) in
 * byte order of `path`, with `<hostPath>/.dockerignore` and the built-in ignores applied.
 * Symlinks inside are recorded, not followed. Sockets, FIFOs and devices are left out
 * (Docker cannot COPY them meaningfully, and reading a FIFO would block).
 *
 * Directories are listed ahead of the consumer with bounded concurrency, so iteration is
 * fast; contents are never read here. An ignored directory with no `!` exception below it
 * is not read at all.
 */
export async function* walkFiles(hostPath: string, options: WalkOptions = {}): AsyncGenerator<ContextFile> {
  const { signal } = options;
  signal?.throwIfAborted();
  let root: Stats;
  try {
    root = await stat(hostPath);
  } catch (error) {
    throw fileError(error, hostPath);
  }
  if (!root.isDirectory()) {
    if (!root.isFile()) {
      throw new ImagespecError('FILE_NOT_FOUND', `${hostPath} is neither a file nor a directory.`, {
        hint: 'Point the spec at a regular file or a directory.',
        details: { path: hostPath },
      });
    }
    yield { path: basename(hostPath), absPath: hostPath, kind: 'file', mode: root.mode & 0o7777, size: root.size };
    return;
  }

  const walker = new Walker(hostPath, await createIgnoreMatcher(hostPath), signal);
  try {
    yield* walker.emit(walker.scan(''));
  } finally {
    walker.stopped = true;
  }
}

type Step = { key: string; file: Promise<ContextFile | undefined> } | { key: string; dir: Promise<Step[]> };

class Walker {
  stopped = false;
  private readonly limit = pLimit(FS_CONCURRENCY);

  constructor(
    private readonly root: string,
    private readonly ignore: IgnoreMatcher,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /** Starts listing the directory `rel` (and, recursively, its subdirectories) now. */
  scan(rel: string): Promise<Step[]> {
    const absDir = rel === '' ? this.root : join(this.root, rel);
    return settled(
      this.limit(async () => {
        if (this.stopped) return [];
        let dirents: Dirent[];
        try {
          dirents = await readdir(absDir, { withFileTypes: true });
        } catch (error) {
          throw fileError(error, absDir);
        }
        const steps: Step[] = [];
        for (const dirent of dirents) {
          const path = rel === '' ? dirent.name : `${rel}/${dirent.name}`;
          const ignored = this.ignore.ignores(path);
          const isDir = dirent.isDirectory();
          if (!ignored) steps.push({ key: dirent.name, file: this.entry(path) });
          if (isDir && (!ignored || this.ignore.mayIncludeBelow(path))) {
            // A directory's children sort right after `name/`, which may come after
            // siblings such as `name-x` or `name.txt`: order by that key, not by name.
            steps.push({ key: `${dirent.name}/`, dir: this.scan(path) });
          }
        }
        return steps.sort((a, b) => compareBytes(a.key, b.key));
      }),
    );
  }

  async *emit(listing: Promise<Step[]>): AsyncGenerator<ContextFile> {
    for (const step of await listing) {
      this.signal?.throwIfAborted();
      if ('dir' in step) {
        yield* this.emit(step.dir);
      } else {
        const file = await step.file;
        if (file) yield file;
      }
    }
  }

  private entry(path: string): Promise<ContextFile | undefined> {
    const absPath = join(this.root, path);
    return settled(
      this.limit(async () => {
        if (this.stopped) return undefined;
        try {
          const stats = await lstat(absPath);
          const mode = stats.mode & 0o7777;
          if (stats.isFile()) return { path, absPath, kind: 'file', mode, size: stats.size };
          if (stats.isDirectory()) return { path, absPath, kind: 'dir', mode, size: 0 };
          if (stats.isSymbolicLink()) {
            return { path, absPath, kind: 'symlink', mode, size: 0, linkTarget: await readlink(absPath) };
          }
          return undefined;
        } catch (error) {
          // Deleted between readdir and lstat (an editor's temp file): it is simply not there.
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
          throw fileError(error, absPath);
        }
      }),
    );
  }
}

/** Marks a promise as handled, so one that is never awaited (the walk was stopped) cannot crash the process. */
function settled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

/** Byte order of the UTF-8 encodings, which is code point order (JS `<` compares UTF-16 units). */
export function compareBytes(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x < 0xd800 && y < 0xd800) return x - y;
    return (a.codePointAt(i) ?? 0) - (b.codePointAt(i) ?? 0);
  }
  return a.length - b.length;
}

/** An fs error as an ImagespecError that names the file (shared by walk, digest and tar). */
export function fileError(error: unknown, path: string): ImagespecError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new ImagespecError('FILE_NOT_FOUND', `${path} does not exist.`, {
      hint: 'Check the path in the spec (relative paths are resolved against the spec file’s folder).',
      cause: error,
      details: { path },
    });
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new ImagespecError('FILE_NOT_FOUND', `${path} cannot be read: permission denied.`, {
      hint: 'Make the file readable by the user running imagespec, or exclude it in .dockerignore.',
      cause: error,
      details: { path, errno: code },
    });
  }
  return new ImagespecError('FILE_NOT_FOUND', `${path} cannot be read: ${(error as Error)?.message ?? error}.`, {
    cause: error,
    details: { path, errno: code },
  });
}
