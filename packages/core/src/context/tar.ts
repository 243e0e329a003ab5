import { closeSync, createReadStream, constants as fsConstants, fstatSync, openSync, readSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { pipeline, Readable } from 'node:stream';
import { constants, createGzip } from 'node:zlib';
import tarStream from 'tar-stream';
import { ImagespecError, isAbortError, isImagespecError } from '../errors.js';
import type { ResolvedImageSpec } from '../spec/types.js';
import { computeContextLayout, DOCKERFILE_PATH } from './layout.js';
import { type ContextFile, compareBytes, fileError, walkFiles } from './walk.js';

type Pack = ReturnType<typeof tarStream.pack>;
type Sink = ReturnType<Pack['entry']>;
type Header = Parameters<Pack['entry']>[0];

export interface ContextStreamOptions {
  /** gzip the tar (deterministic header: no name, mtime 0). */
  readonly gzip?: boolean;
  readonly signal?: AbortSignal;
}

/** Files up to this size are read in one blocking call; larger ones are streamed in chunks. */
const WHOLE_READ_MAX = 256 * 1024;
const EPOCH = new Date(0);
/** A file swapped for a symlink since the walk is an error, not a read of the link's target (as when hashing). */
const NO_FOLLOW = fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW;

/**
 * The build context as a deterministic tar: `Dockerfile` first, then every entry of
 * `computeContextLayout(spec)` at its context path, listed by `walkFiles` (the listing the
 * tag was computed from), in byte order of the names, parents before children.
 *
 * Directory names end in `/`, as Docker's and GNU tar's do. Same inputs, same bytes:
 * mtime 0, uid/gid 0, no user or group names, and modes normalized to 0644/0755 for files
 * (by the executable bit), 0755 for directories. The tag records only the executable bit
 * (DESIGN: Identity), so the image must not carry
 * other permission bits, or two trees with one tag would build different images.
 *
 * One file is read at a time and the consumer's pace is respected, so memory stays
 * bounded whatever the context's size. A file that vanishes, shrinks or cannot be read
 * destroys the stream with an ImagespecError naming it; an aborted signal with its reason.
 */
export function createContextStream(
  spec: ResolvedImageSpec,
  dockerfile: string,
  options: ContextStreamOptions = {},
): Readable {
  const { signal } = options;
  const pack = tarStream.pack();
  const start = () => {
    const onAbort = () => pack.destroy(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    writeContext(pack, spec, dockerfile, signal).then(
      () => {
        signal?.removeEventListener('abort', onAbort);
        pack.finalize();
      },
      (error: unknown) => {
        signal?.removeEventListener('abort', onAbort);
        pack.destroy(
          isAbortError(error) || isImagespecError(error)
            ? (error as Error)
            : new ImagespecError('INTERNAL', `Writing the build context failed: ${(error as Error)?.message}`, {
                cause: error,
              }),
        );
      },
    );
  };
  // Nothing is opened until the first read, so a stream that is never consumed leaks
  // nothing; destroying the result ends the generator, which destroys the pack.
  async function* chunks(): AsyncGenerator<Buffer> {
    start();
    yield* pack as AsyncIterable<Buffer>;
  }
  const tar = Readable.from(chunks(), { objectMode: false, highWaterMark: 64 * 1024 });
  if (!options.gzip) return tar;
  // No file name and mtime 0 in the gzip header (zlib's defaults for a raw stream). Level 1:
  // compression runs on the build host's CPU and bounds the whole upload; on a 1 GB
  // context level 6 ran at ~8 MB/s here, several times slower than level 1.
  const gzip = createGzip({ level: constants.Z_BEST_SPEED, chunkSize: 64 * 1024 });
  return pipeline(tar, gzip, () => {});
}

async function writeContext(
  pack: Pack,
  spec: ResolvedImageSpec,
  dockerfile: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  signal?.throwIfAborted();
  await entry(pack, { name: DOCKERFILE_PATH, type: 'file', mode: 0o644 }, Buffer.from(dockerfile));

  const layout = computeContextLayout(spec);
  const roots = [
    ...(layout.requirements ? [layout.requirements] : []),
    ...layout.copy,
    ...(layout.source ? [layout.source] : []),
  ]
    // Each root's entries are contiguous in byte order after `contextPath/`.
    .sort((a, b) => compareBytes(`${a.contextPath}/`, `${b.contextPath}/`));
  const written = new Set<string>();
  for (const root of roots) {
    const parts = root.contextPath.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (written.has(dir)) continue;
      written.add(dir);
      await entry(pack, { name: `${dir}/`, type: 'directory', mode: 0o755 });
    }
    let isDir: boolean;
    try {
      isDir = (await stat(root.hostPath)).isDirectory();
    } catch (error) {
      throw fileError(error, root.hostPath);
    }
    if (isDir) await entry(pack, { name: `${root.contextPath}/`, type: 'directory', mode: 0o755 });
    for await (const file of walkFiles(root.hostPath, { ...(signal && { signal }) })) {
      await writeFile(pack, isDir ? `${root.contextPath}/${file.path}` : root.contextPath, file);
    }
  }
}

async function writeFile(pack: Pack, name: string, file: ContextFile): Promise<void> {
  if (file.kind === 'dir') return entry(pack, { name: `${name}/`, type: 'directory', mode: 0o755 });
  if (file.kind === 'symlink')
    return entry(pack, { name, type: 'symlink', mode: 0o777, linkname: file.linkTarget ?? '' });
  const mode = file.mode & 0o111 ? 0o755 : 0o644;
  if (file.size <= WHOLE_READ_MAX) {
    const data = readSmallFile(file);
    if (data) return entry(pack, { name, type: 'file', mode }, data);
  }
  return streamFile(pack, name, mode, file);
}

/** The whole file, or undefined when it has grown past WHOLE_READ_MAX since the walk. */
function readSmallFile(file: ContextFile): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(file.absPath, NO_FOLLOW);
    const size = fstatSync(fd).size;
    if (size > WHOLE_READ_MAX) return undefined;
    const data = Buffer.allocUnsafe(size);
    let read = 0;
    for (let n = 1; read < size && n > 0; read += n) n = readSync(fd, data, read, size - read, read);
    if (read < size) throw changedError(file);
    return data;
  } catch (error) {
    throw isImagespecError(error) ? error : fileError(error, file.absPath);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Streams a large file in chunks, pausing while the consumer is behind. */
async function streamFile(pack: Pack, name: string, mode: number, file: ContextFile): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file.absPath, NO_FOLLOW);
  } catch (error) {
    throw fileError(error, file.absPath);
  }
  try {
    // The size as of opening: the header must promise exactly what follows.
    const { size } = await handle.stat();
    const done = entryDone(pack, { name, type: 'file', mode, size });
    const sink = done.sink;
    let sent = 0;
    if (size > 0) {
      const chunks = createReadStream('', {
        fd: handle.fd,
        autoClose: false,
        start: 0,
        end: size - 1,
        highWaterMark: 256 * 1024,
      });
      try {
        for await (const chunk of chunks) {
          sent += (chunk as Buffer).length;
          if (!sink.write(chunk as Buffer)) await drained(sink);
        }
      } catch (error) {
        throw isImagespecError(error) ? error : fileError(error, file.absPath);
      }
    }
    // The pack, destroyed by the caller with this error, tears the open entry down.
    if (sent !== size) throw changedError(file);
    sink.end(undefined);
    await done.promise;
  } finally {
    await handle.close();
  }
}

function entry(pack: Pack, header: Header, data?: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const full = { ...header, mtime: EPOCH, uid: 0, gid: 0 };
    const callback = (error?: Error | null) => (error ? reject(error) : resolve());
    quiet(data ? pack.entry(full, data, callback) : pack.entry(full, callback));
  });
}

function entryDone(pack: Pack, header: Header): { sink: Sink; promise: Promise<void> } {
  let sink!: Sink;
  const promise = new Promise<void>((resolve, reject) => {
    sink = quiet(
      pack.entry({ ...header, mtime: EPOCH, uid: 0, gid: 0 }, (error) => (error ? reject(error) : resolve())),
    );
  });
  promise.catch(() => {}); // awaited after the body is written; an early failure surfaces there or via the pack
  return { sink, promise };
}

/** An entry's errors reach us through its callback and the pack; unheard 'error' events would crash the process. */
function quiet(sink: Sink): Sink {
  sink.on('error', () => {});
  return sink;
}

/** Resolves when the sink wants more; rejects if it is torn down first (the pack was destroyed). */
function drained(sink: Sink): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      sink.off('drain', onDrain);
      sink.off('close', onClose);
    };
    const onDrain = () => {
      cleanup();
      resolve();
    };
    const onClose = () => {
      cleanup();
      reject(new ImagespecError('CANCELLED', 'The build context stream was closed before it was fully written.'));
    };
    sink.on('drain', onDrain);
    sink.on('close', onClose);
  });
}

function changedError(file: ContextFile): ImagespecError {
  return new ImagespecError('FILE_NOT_FOUND', `${file.absPath} changed while the build context was being written.`, {
    hint: 'Do not edit files under the spec’s source or copy paths while a build runs, then build again.',
    details: { path: file.absPath },
  });
}
