import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import pLimit from 'p-limit';
import { type ContextFile, fileError, walkFiles } from './walk.js';

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

/** Files hashed at once: enough to keep the disk and the libuv pool busy on a cold cache. */
const HASH_CONCURRENCY = 16;
/** Up to this size a file is read in one call; larger ones are streamed. */
const WHOLE_READ_MAX = 1024 * 1024;

const RECORDS_HEADER = 'imagespec-tree/1\0';

/** Digest of the tree `walkFiles(hostPath)` lists: exactly the files the build context sends. */
export async function digestTree(hostPath: string, options: DigestOptions = {}): Promise<TreeDigest> {
  const { signal } = options;
  const limit = pLimit(HASH_CONCURRENCY);
  const pending: Promise<FileDigest>[] = [];
  try {
    for await (const file of walkFiles(hostPath, { signal })) {
      pending.push(limit(() => recordOf(file, signal)));
    }
  } catch (error) {
    limit.clearQueue();
    await Promise.allSettled(pending);
    throw error;
  }
  const files = await Promise.all(pending);
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

async function recordOf(file: ContextFile, signal: AbortSignal | undefined): Promise<FileDigest> {
  signal?.throwIfAborted();
  if (file.kind === 'dir') return { path: file.path, mode: 'dir' };
  if (file.kind === 'symlink') return { path: file.path, mode: 'symlink', linkTarget: file.linkTarget ?? '' };
  const mode = file.mode & 0o111 ? 'exec' : 'file';
  return { path: file.path, mode, sha256: await contentSha256(file, signal) };
}

async function contentSha256(file: ContextFile, signal: AbortSignal | undefined): Promise<string> {
  if (file.size > WHOLE_READ_MAX) return sha256File(file.absPath, { ...(signal && { signal }) });
  try {
    return createHash('sha256')
      .update(await readFile(file.absPath))
      .digest('hex');
  } catch (error) {
    throw fileError(error, file.absPath);
  }
}
