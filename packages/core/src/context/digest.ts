import { createHash } from 'node:crypto';
import { closeSync, constants, openSync, readFileSync } from 'node:fs';
import { setImmediate } from 'node:timers/promises';
import { isImagespecError } from '../errors.js';
import { openRegularFile } from '../fs/read-regular-file.js';
import { createExclusionLog, type ExcludedGroup } from './exclusions.js';
import { HashPool } from './hash-workers.js';
import type { StatCache } from './stat-cache.js';
import { type ContextFile, fileError, walkFiles } from './walk.js';

/** Trees at least this large are hashed in worker threads; below it, their start-up costs more than it saves. */
const WORKERS_MIN_FILES = 256;
const WORKERS_MIN_BYTES = 32 * 1024 * 1024;
/** Up to this size a file is read in one call; larger ones are streamed. */
const WHOLE_READ_MAX = 1024 * 1024;

/**
 * One record of a tree digest. `dir` records are there because the build context carries
 * directories (an empty directory survives COPY), so adding or removing one changes the
 * image and must change the tag. Permission bits other than the executable bit are not
 * recorded; the context writer normalizes them (see tar.ts) so the image matches.
 */
export interface FileDigest {
  readonly path: string;
  readonly mode: 'file' | 'exec' | 'symlink' | 'dir';
  /** Content sha256 (hex), for `file` and `exec`. */
  readonly sha256?: string;
  /** For `symlink`. */
  readonly linkTarget?: string;
  /** The `.dockerignore` `!` line that keeps this file (walk.ts `keptBy`); not hashed. */
  readonly keptBy?: string;
}

export interface TreeDigest {
  /** Hex sha256 over the records (see `digestRecords`). */
  readonly digest: string;
  /** Sorted by path in byte order, as `walkFiles` lists them. */
  readonly files: readonly FileDigest[];
  /** What the ignore rules left out, per rule (not hashed: for `imagespec explain`). */
  readonly excluded: readonly ExcludedGroup[];
}

export interface DigestOptions {
  readonly signal?: AbortSignal;
  /** The project folder (walkFiles' `project`): symlinks out of it are refused, its `.gitignore` files apply. */
  readonly project?: string;
  /** Digests of files whose stat has not changed since they were hashed: those are not read (stat-cache.ts). */
  readonly statCache?: StatCache;
  /** walkFiles' `dockerignore`: the ignore file read instead of the root's `.dockerignore`. */
  readonly dockerignore?: string;
}

const RECORDS_HEADER = 'imagespec-tree/1\0';
const RECORDS_CHUNK = 64 * 1024;

/**
 * Digest of the tree `walkFiles(hostPath)` lists: exactly the files the build context
 * sends. Large trees are hashed by a small pool of worker threads doing plain blocking
 * reads (see `hashInWorkers`); small ones on this thread.
 */
export async function digestTree(hostPath: string, options: DigestOptions = {}): Promise<TreeDigest> {
  const { signal, project } = options;
  const excluded = createExclusionLog();
  const entries: ContextFile[] = [];
  const contents: ContextFile[] = [];
  let bytes = 0;
  let pool: HashPool | undefined;
  const seen = options.statCache?.tree(hostPath);
  /** Per entry, its digest when the stat cache knew it. */
  const known: (string | undefined)[] = [];
  try {
    for await (const file of walkFiles(hostPath, {
      ...(signal && { signal }),
      ...(project !== undefined && { project }),
      ...(options.dockerignore !== undefined && { dockerignore: options.dockerignore }),
      onExcluded: excluded.add,
      stamps: seen !== undefined,
    })) {
      entries.push(file);
      if (file.kind !== 'file') continue;
      const sha256 = seen?.known(file);
      if (sha256 !== undefined) {
        known[entries.length - 1] = sha256;
        continue;
      }
      contents.push(file);
      bytes += file.size;
      if (pool) pool.add(file);
      else if (contents.length >= WORKERS_MIN_FILES || bytes >= WORKERS_MIN_BYTES) {
        // Large enough: hash in workers from here on, while the walk goes on.
        pool = new HashPool(signal);
        for (const earlier of contents) pool.add(earlier);
      }
    }
  } catch (error) {
    pool?.close();
    throw error;
  }
  const sums = pool ? await pool.finish() : await hashHere(contents, signal);
  seen?.hashed(contents, sums);
  let next = 0;
  const files = entries.map((file, index): FileDigest => {
    if (file.kind === 'dir') return { path: file.path, mode: 'dir' };
    if (file.kind === 'symlink') return { path: file.path, mode: 'symlink', linkTarget: file.linkTarget ?? '' };
    const digest: FileDigest = {
      path: file.path,
      mode: file.mode & 0o111 ? 'exec' : 'file',
      sha256: known[index] ?? sums[next++]!,
    };
    return file.keptBy === undefined ? digest : { ...digest, keptBy: file.keptBy };
  });
  return { digest: digestRecords(files), files, excluded: excluded.groups() };
}

/**
 * The tree digest of records already in order (pure). Every field ends in NUL, which no
 * path, link target or hex digest can contain, so distinct record lists never frame to the
 * same bytes.
 */
export function digestRecords(files: readonly FileDigest[]): string {
  const hash = createHash('sha256').update(RECORDS_HEADER);
  // Records go to the hash in chunks: one update per record cost more than the hashing.
  let chunk = '';
  for (const file of files) {
    const value = file.mode === 'symlink' ? file.linkTarget : file.mode === 'dir' ? '' : file.sha256;
    chunk += `${file.mode}\0${file.path}\0${value ?? ''}\0`;
    if (chunk.length >= RECORDS_CHUNK) {
      hash.update(chunk);
      chunk = '';
    }
  }
  return hash.update(chunk).digest('hex');
}

/**
 * Hex sha256 of a file's contents, streamed. A FIFO, socket or device is refused
 * (FILE_NOT_REGULAR) before a byte is read: a requirements file that is a FIFO would
 * otherwise wait for a writer forever, and `/dev/zero` never end.
 */
export async function sha256File(path: string, options: DigestOptions = {}): Promise<string> {
  const hash = createHash('sha256');
  let handle: Awaited<ReturnType<typeof openRegularFile>>;
  try {
    handle = await openRegularFile(path);
  } catch (error) {
    throw isImagespecError(error) ? error : fileError(error, path);
  }
  try {
    for await (const chunk of handle.createReadStream({
      highWaterMark: WHOLE_READ_MAX,
      autoClose: false,
      ...(options.signal && { signal: options.signal }),
    })) {
      hash.update(chunk as Buffer);
    }
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw fileError(error, path);
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}

/** Small trees: blocking reads here, handing the event loop a turn every few milliseconds. */
async function hashHere(files: readonly ContextFile[], signal: AbortSignal | undefined): Promise<string[]> {
  const sums: string[] = [];
  let turn = performance.now();
  for (const file of files) {
    signal?.throwIfAborted();
    if (file.size > WHOLE_READ_MAX) {
      sums.push(await sha256File(file.absPath, { ...(signal && { signal }) }));
      continue;
    }
    try {
      // O_NOFOLLOW, as the workers: a file swapped for a symlink since the walk is an error.
      const fd = openSync(file.absPath, constants.O_RDONLY | constants.O_NOFOLLOW);
      try {
        sums.push(createHash('sha256').update(readFileSync(fd)).digest('hex'));
      } finally {
        closeSync(fd);
      }
    } catch (error) {
      throw fileError(error, file.absPath);
    }
    if (performance.now() - turn > 15) {
      await setImmediate();
      turn = performance.now();
    }
  }
  return sums;
}
