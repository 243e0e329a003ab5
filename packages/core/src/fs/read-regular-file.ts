import { type BigIntStats, closeSync, constants, fstatSync, openSync, readFileSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { ImagespecError } from '../errors.js';

/**
 * Opening without blocking: a FIFO opened for reading would otherwise wait for a writer
 * forever. O_NONBLOCK changes nothing for a regular file, and the descriptor is checked
 * with fstat before a byte is read, so a FIFO, socket or device (`/dev/zero`) is refused
 * instead of read, and a file swapped after the check is still the one read.
 */
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

/**
 * Reads a regular file whole (following symlinks). A directory fails as readFile does
 * (an error with code EISDIR), a missing file with ENOENT, so callers keep their own
 * wording for those; a FIFO, socket, device or symlink loop is FILE_NOT_REGULAR.
 */
export async function readRegularFile(path: string): Promise<Buffer> {
  const handle = await openRegularFile(path);
  try {
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/** The same, blocking: for the walk, which reads directories synchronously. */
export function readRegularFileSync(path: string): Buffer {
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (error) {
    throw loopOr(error, path);
  }
  try {
    checkRegular(fstatSync(fd), path);
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Opens `path` for a streamed read after the same checks; the caller closes the descriptor. */
export async function openRegularFile(path: string): Promise<Awaited<ReturnType<typeof open>>> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, OPEN_FLAGS);
  } catch (error) {
    throw loopOr(error, path);
  }
  try {
    checkRegular(await handle.stat(), path);
  } catch (error) {
    await handle.close();
    throw error;
  }
  return handle;
}

function checkRegular(stats: Stats, path: string): void {
  if (stats.isFile()) return;
  if (stats.isDirectory()) {
    throw Object.assign(new Error(`EISDIR: illegal operation on a directory, read '${path}'`), {
      code: 'EISDIR',
      path,
    });
  }
  throw new ImagespecError('FILE_NOT_REGULAR', `${path} is ${kindOf(stats)}, not a regular file.`, {
    hint: 'Point the spec at a regular file; imagespec does not read pipes, sockets or devices.',
    details: { path, kind: kindOf(stats) },
  });
}

function loopOr(error: unknown, path: string): unknown {
  if ((error as NodeJS.ErrnoException).code !== 'ELOOP') return error;
  return new ImagespecError(
    'FILE_NOT_REGULAR',
    `${path} is a symbolic link that never reaches a file (a loop, or more than 40 links in a row).`,
    { hint: 'Fix or remove the link.', cause: error, details: { path, errno: 'ELOOP' } },
  );
}

/** What a non-regular file is, for messages ("a FIFO (named pipe)"). */
export function kindOf(stats: Stats | BigIntStats): string {
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSymbolicLink()) return 'a symbolic link';
  if (stats.isDirectory()) return 'a directory';
  return 'not a regular file';
}
