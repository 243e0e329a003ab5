import { createHash } from 'node:crypto';
import { closeSync, constants, createReadStream, openSync, readFileSync } from 'node:fs';
import { setImmediate } from 'node:timers/promises';
import { HashPool } from './hash-workers.js';
import { type ContextFile, fileError, walkFiles } from './walk.js';

/** Trees at least this large are hashed in worker threads; below it, their start-up (~30 ms) costs more than it saves. */
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
}

export interface TreeDigest {
  /** Hex sha256 over the records (see `digestRecords`). */
  readonly digest: string;
  /** Sorted by path in byte order, as `walkFiles` lists them. */
  readonly files: readonly FileDigest[];
}

export interface DigestOptions {
  readonly signal?: AbortSignal;
}

const RECORDS_HEADER = 'imagespec-tree/1\0';

/**
 * Digest of the tree `walkFiles(hostPath)` lists: exactly the files the build context
 * sends. Large trees are hashed by a small pool of worker threads doing plain blocking
 * reads (see `hashInWorkers`); small ones on this thread.
 */
export async function digestTree(hostPath: string, options: DigestOptions = {}): Promise<TreeDigest> {
  const { signal } = options;
  const entries: ContextFile[] = [];
  const contents: ContextFile[] = [];
  let bytes = 0;
  let pool: HashPool | undefined;
  try {
    for await (const file of walkFiles(hostPath, { ...(signal && { signal }) })) {
      entries.push(file);
      if (file.kind !== 'file') continue;
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
  let next = 0;
  const files = entries.map((file): FileDigest => {
    if (file.kind === 'dir') return { path: file.path, mode: 'dir' };
    if (file.kind === 'symlink') return { path: file.path, mode: 'symlink', linkTarget: file.linkTarget ?? '' };
    return { path: file.path, mode: file.mode & 0o111 ? 'exec' : 'file', sha256: sums[next++]! };
  });
  return { digest: digestRecords(files), files };
}

/**
 * The tree digest of records already in order (pure). Every field ends in NUL, which no
 * path, link target or hex digest can contain, so distinct record lists never frame to the
 * same bytes.
 */
export function digestRecords(files: readonly FileDigest[]): string {
  const hash = createHash('sha256').update(RECORDS_HEADER);
  for (const file of files) {
    const value = file.mode === 'symlink' ? file.linkTarget : file.mode === 'dir' ? '' : file.sha256;
    hash.update(`${file.mode}\0${file.path}\0${value ?? ''}\0`);
  }
  return hash.digest('hex');
}

/** Hex sha256 of a file's contents, streamed. */
export async function sha256File(path: string, options: DigestOptions = {}): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path, {
      highWaterMark: WHOLE_READ_MAX,
      ...(options.signal && { signal: options.signal }),
    })) {
      hash.update(chunk as Buffer);
    }
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw fileError(error, path);
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
