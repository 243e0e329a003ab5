import { type Dirent, lstatSync, readdirSync, readlinkSync, type Stats } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { setImmediate } from 'node:timers/promises';
import { ImagespecError } from '../errors.js';
import { fileError } from '../fs/file-error.js';
import { kindOf } from '../fs/read-regular-file.js';
import { checkInsideProject, findGitRoot, isInside } from './project.js';
import { statStamp } from './stat-stamp.js';
import { createTreeIgnore, type FolderRules, type TreeIgnore } from './tree-ignore.js';

export { fileError };

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
  /** The `.dockerignore` `!` line that keeps this path, when one decided it: listed on purpose. */
  readonly keptBy?: string;
  /**
   * With the walk's `stamps`, for a file inside the tree (not a single-file root, which is
   * followed): the stat it was listed with, as the stat cache keys it (`statStamp`).
   */
  readonly stamp?: string;
}

/** An entry the ignore rules left out (a left-out folder is reported once, its contents not at all). */
export interface ExcludedEntry {
  readonly path: string;
  readonly isDir: boolean;
  /** The rule as it reads in messages: `.gitignore:3 \`*.pyc\``, `built-in \`__pycache__\``. */
  readonly rule: string;
}

export interface WalkOptions {
  readonly signal?: AbortSignal;
  /**
   * The project folder (see `projectRootOf`): the root must not lead out of it through a
   * symlink (CONTEXT_ESCAPES), and outside a git repository the `.gitignore` files from it
   * down to the root apply. Without it, only the tree's own and its repository's apply.
   */
  readonly project?: string;
  /** Told about every entry the ignore rules leave out, and every FIFO, socket or device skipped. */
  readonly onExcluded?: (entry: ExcludedEntry) => void;
  /**
   * Give each file its `stamp`, for the stat cache: the walk's lstat serves it, so a
   * file is not stat'ed twice (carrying the whole Stats instead costs more in GC).
   */
  readonly stamps?: boolean;
  /** Read this file instead of the root's `.dockerignore` (a Dockerfile spec's `<Dockerfile>.dockerignore`). */
  readonly dockerignore?: string;
}

/** Hand the event loop a turn at least this often (ms) during a long walk. */
const YIELD_EVERY_MS = 15;

/**
 * Lists `hostPath` (a file or a directory; a symlink given as the root is followed, but
 * with `project` only when it stays in the project) in byte order of `path`, with the
 * ignore rules applied (tree-ignore.ts: version-control folders, `.dockerignore`,
 * `.gitignore` files, the built-in list; a single-file root is never ignored). Symlinks
 * inside are recorded, not followed, wherever they point: nothing outside the tree is
 * read, and the image gets the link. Sockets, FIFOs and devices are left out (Docker
 * cannot COPY them meaningfully, and reading a FIFO would block) and reported to
 * `onExcluded`. An ignored directory with no `!` exception below it is not read at all.
 * Contents are never read.
 *
 * Each directory is read with synchronous readdir/lstat calls, one directory at a time,
 * handing the event loop a turn every few milliseconds: on these machines a libuv
 * round trip costs more than the lstat itself (10,000 lstat calls: 0.06 s synchronous,
 * 0.25 s through fs.promises all at once), and tar and git walk the same way.
 */
export async function* walkFiles(hostPath: string, options: WalkOptions = {}): AsyncGenerator<ContextFile> {
  const { signal, project } = options;
  signal?.throwIfAborted();
  const realRoot = project ? await checkInsideProject(hostPath, project) : undefined;
  let rootStats: Stats;
  try {
    rootStats = await stat(hostPath);
  } catch (error) {
    throw fileError(error, hostPath);
  }
  if (!rootStats.isDirectory()) {
    if (!rootStats.isFile()) {
      throw new ImagespecError(
        'FILE_NOT_REGULAR',
        `${hostPath} is ${kindOf(rootStats)}, neither a file nor a directory.`,
        {
          hint: 'Point the spec at a regular file or a directory; imagespec does not read pipes, sockets or devices.',
          details: { path: hostPath, kind: kindOf(rootStats) },
        },
      );
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
  const real = realRoot ?? (await realpath(root));
  const ignore = await createTreeIgnore(root, real, await gitignoreTop(real, project), options.dockerignore);
  const walker: Walker = { root, ignore, onExcluded: options.onExcluded, stamps: options.stamps === true };
  // Depth-first with an explicit stack: each frame is a directory's sorted steps.
  const stack: { steps: Step[]; next: number }[] = [{ steps: listDirectory(walker, '', ignore.root, false), next: 0 }];
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
      stack.push({ steps: listDirectory(walker, step.dir, step.rules!, step.excluded === true), next: 0 });
    }
  }
}

/**
 * The highest folder whose `.gitignore` applies to a tree at `realRoot`: its git
 * repository's root; outside a repository, the project's folder when the tree is in it
 * (a tarball of a repository hashes as its checkout), else the tree itself.
 */
async function gitignoreTop(realRoot: string, project: string | undefined): Promise<string> {
  const repository = findGitRoot(realRoot);
  if (repository) return realpath(repository);
  if (!project) return realRoot;
  const realProject = await realpath(project);
  return isInside(realRoot, realProject) ? realProject : realRoot;
}

interface Walker {
  readonly root: string;
  readonly ignore: TreeIgnore;
  readonly onExcluded: WalkOptions['onExcluded'];
  readonly stamps: boolean;
}

/** A directory's entry (`file`) sorts by its name; its contents (`dir`) by `name/`. */
interface Step {
  readonly key: string;
  readonly file?: ContextFile;
  /** Relative path of a directory whose contents come at this point, and the rules in force above it. */
  readonly dir?: string;
  readonly rules?: FolderRules;
  /** The directory is left out, walked only for `.dockerignore` exceptions below it. */
  readonly excluded?: boolean;
}

function listDirectory(walker: Walker, rel: string, parent: FolderRules, excluded: boolean): Step[] {
  const { root, ignore, onExcluded, stamps } = walker;
  const absDir = rel === '' ? root : `${root}/${rel}`;
  let dirents: Dirent[];
  try {
    dirents = readdirSync(absDir, { withFileTypes: true });
  } catch (error) {
    throw fileError(error, absDir);
  }
  // In name order, so what is reported left out comes in the same order on every machine.
  dirents.sort((a, b) => compareBytes(a.name, b.name));
  const hasGitignore = dirents.some((dirent) => dirent.name === '.gitignore' && dirent.isFile());
  const rules = ignore.inside(rel, parent, excluded, hasGitignore);
  const steps: Step[] = [];
  for (const dirent of dirents) {
    const path = rel === '' ? dirent.name : `${rel}/${dirent.name}`;
    const isDir = dirent.isDirectory();
    const absPath = `${root}/${path}`;
    const verdict = ignore.decide(path, dirent.name, isDir, absPath, rules);
    if (!verdict.keep) {
      if (!verdict.quiet) onExcluded?.({ path, isDir, rule: verdict.rule });
      if (verdict.descend) steps.push({ key: `${dirent.name}/`, dir: path, rules, excluded: true });
      continue;
    }
    const entry = entryOf(path, absPath, stamps);
    if (!entry) continue;
    if ('special' in entry) {
      onExcluded?.({ path, isDir: false, rule: `not a file, folder or symlink (${entry.special})` });
      continue;
    }
    const file = verdict.keptBy === undefined ? entry : { ...entry, keptBy: verdict.keptBy };
    steps.push({ key: dirent.name, file });
    // The contents sort right after `name/`, which can come after siblings such as
    // `name-x` or `name.txt`: they get their own step, ordered by that key.
    if (file.kind === 'dir') steps.push({ key: `${dirent.name}/`, dir: path, rules });
  }
  return steps.sort((a, b) => compareBytes(a.key, b.key));
}

/** The entry at `path`; FIFOs, sockets and devices come back as `special` (Docker cannot COPY them, and reading a FIFO blocks). */
function entryOf(path: string, absPath: string, stamps: boolean): ContextFile | { special: string } | undefined {
  try {
    const stats = lstatSync(absPath);
    const mode = stats.mode & 0o7777;
    if (stats.isFile()) {
      const size = stats.size;
      return stamps
        ? { path, absPath, kind: 'file', mode, size, stamp: statStamp(stats) }
        : { path, absPath, kind: 'file', mode, size };
    }
    if (stats.isDirectory()) return { path, absPath, kind: 'dir', mode, size: 0 };
    if (stats.isSymbolicLink())
      return { path, absPath, kind: 'symlink', mode, size: 0, linkTarget: readlinkSync(absPath) };
    return { special: kindOf(stats) };
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
