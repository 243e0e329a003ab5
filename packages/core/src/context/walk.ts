import { type Dirent, lstatSync, readdirSync, readlinkSync, type Stats } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { setImmediate } from 'node:timers/promises';
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

/** Hand the event loop a turn at least this often (ms) during a long walk. */
const YIELD_EVERY_MS = 15;

/**
 * Lists `hostPath` (a file or a directory; a symlink given as the root is followed) in
 * byte order of `path`, with `<hostPath>/.dockerignore` and the built-in ignores applied.
 * Symlinks inside are recorded, not followed. Sockets, FIFOs and devices are left out
 * (Docker cannot COPY them meaningfully, and reading a FIFO would block). An ignored
 * directory with no `!` exception below it is not read at all. Contents are never read.
 *
 * Each directory is read with synchronous readdir/lstat calls, one directory at a time,
 * handing the event loop a turn every few milliseconds: on these machines a libuv
 * round trip costs more than the lstat itself (10,000 lstat calls: 0.06 s synchronous,
 * 0.25 s through fs.promises all at once), and tar and git walk the same way.
 */
export async function* walkFiles(hostPath: string, options: WalkOptions = {}): AsyncGenerator<ContextFile> {
  const { signal } = options;
  signal?.throwIfAborted();
  let rootStats: Stats;
  try {
    rootStats = await stat(hostPath);
  } catch (error) {
    throw fileError(error, hostPath);
  }
  if (!rootStats.isDirectory()) {
    if (!rootStats.isFile()) {
      throw new ImagespecError('FILE_NOT_FOUND', `${hostPath} is neither a file nor a directory.`, {
        hint: 'Point the spec at a regular file or a directory.',
        details: { path: hostPath },
      });
    }
    yield {
      path: basename(hostPath),
      // The real path: readers may refuse to follow a final symlink (O_NOFOLLOW).
      absPath: await realpath(hostPath),
      kind: 'file',
      mode: rootStats.mode & 0o7777,
      size: rootStats.size,
    };
    return;
  }

  const root = resolve(hostPath);
  const ignore = await createIgnoreMatcher(root);
  // Depth-first with an explicit stack: each frame is a directory's sorted steps.
  const stack: { steps: Step[]; next: number }[] = [{ steps: listDirectory(root, '', ignore), next: 0 }];
  let turn = performance.now();
  while (stack.length > 0) {
    signal?.throwIfAborted();
    const frame = stack[stack.length - 1]!;
    const step = frame.steps[frame.next++];
    if (step === undefined) {
      stack.pop();
      continue;
    }
    if (step.file) yield step.file;
    if (step.dir !== undefined) {
      if (performance.now() - turn > YIELD_EVERY_MS) {
        await setImmediate();
        turn = performance.now();
      }
      stack.push({ steps: listDirectory(root, step.dir, ignore), next: 0 });
    }
  }
}

/** A directory's entry (`file`) sorts by its name; its contents (`dir`) by `name/`. */
interface Step {
  readonly key: string;
  readonly file?: ContextFile;
  /** Relative path of a directory whose contents come at this point. */
  readonly dir?: string;
}

function listDirectory(root: string, rel: string, ignore: IgnoreMatcher): Step[] {
  const absDir = rel === '' ? root : `${root}/${rel}`;
  let dirents: Dirent[];
  try {
    dirents = readdirSync(absDir, { withFileTypes: true });
  } catch (error) {
    throw fileError(error, absDir);
  }
  const steps: Step[] = [];
  for (const dirent of dirents) {
    const path = rel === '' ? dirent.name : `${rel}/${dirent.name}`;
    if (ignore.ignores(path)) {
      if (dirent.isDirectory() && ignore.mayIncludeBelow(path)) steps.push({ key: `${dirent.name}/`, dir: path });
      continue;
    }
    const file = entryOf(root, path);
    if (!file) continue;
    steps.push({ key: dirent.name, file });
    // The contents sort right after `name/`, which can come after siblings such as
    // `name-x` or `name.txt`: they get their own step, ordered by that key.
    if (file.kind === 'dir') steps.push({ key: `${dirent.name}/`, dir: path });
  }
  return steps.sort((a, b) => compareBytes(a.key, b.key));
}

function entryOf(root: string, path: string): ContextFile | undefined {
  const absPath = `${root}/${path}`;
  try {
    const stats = lstatSync(absPath);
    const mode = stats.mode & 0o7777;
    if (stats.isFile()) return { path, absPath, kind: 'file', mode, size: stats.size };
    if (stats.isDirectory()) return { path, absPath, kind: 'dir', mode, size: 0 };
    if (stats.isSymbolicLink())
      return { path, absPath, kind: 'symlink', mode, size: 0, linkTarget: readlinkSync(absPath) };
    return undefined;
  } catch (error) {
    // Deleted between readdir and lstat (an editor's temp file): it is simply not there.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw fileError(error, absPath);
  }
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
