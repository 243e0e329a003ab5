import { createHash, type Hash } from 'node:crypto';
import { closeSync, createReadStream, constants as fsConstants, fstatSync, openSync, readSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { pipeline, Readable } from 'node:stream';
import tarStream from 'tar-stream';
import { ImagespecError, isAbortError, isImagespecError } from '../errors.js';
import type { ResolvedImageSpec } from '../spec/types.js';
import { type ContextEntry, type ContextLayout, computeContextLayout, DOCKERFILE_PATH } from './layout.js';
import { contentChanged, contextChanged, type ExpectedContext, RootCheck } from './tar-verify.js';
import { type ContextFile, compareBytes, fileError, walkFiles } from './walk.js';

type Pack = ReturnType<typeof tarStream.pack>;
type Sink = ReturnType<Pack['entry']>;
type Header = Parameters<Pack['entry']>[0];

export interface ContextStreamOptions {
  /** gzip the tar (deterministic header: no name, mtime 0). */
  readonly gzip?: boolean;
  readonly signal?: AbortSignal;
  /**
   * What the tag was computed from (`ImageIdentity.files`). When given, every file's bytes
   * as sent, its executable bit or link target, and each tree's listing are checked
   * against it, and any difference destroys the stream with CONTEXT_CHANGED.
   */
  readonly expected?: ExpectedContext;
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
 *
 * With `expected`, the context is checked as it streams against what the tag was computed
 * from: a file's bytes are hashed as they are read for the tar (no second read), and a
 * streamed file's last chunk is held back until its hash matches, so a changed file never
 * reaches the tar as a whole entry and nothing can be built, then pushed, under a tag that
 * describes other content.
 */
export function createContextStream(
  spec: ResolvedImageSpec,
  dockerfile: string,
  options: ContextStreamOptions = {},
): Readable {
  const { signal, expected } = options;
  const pack = tarStream.pack();
  const start = () => {
    const onAbort = () => pack.destroy(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    writeContext(pack, spec, dockerfile, signal, expected).then(
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
  // node:zlib loads here, when a context is gzipped: not for every CLI start.
  const zlib = process.getBuiltinModule('node:zlib');
  const gzip = zlib.createGzip({ level: zlib.constants.Z_BEST_SPEED, chunkSize: 64 * 1024 });
  return pipeline(tar, gzip, () => {});
}

async function writeContext(
  pack: Pack,
  spec: ResolvedImageSpec,
  dockerfile: string,
  signal: AbortSignal | undefined,
  expected: ExpectedContext | undefined,
): Promise<void> {
  signal?.throwIfAborted();
  await entry(pack, { name: DOCKERFILE_PATH, type: 'file', mode: 0o644 }, Buffer.from(dockerfile));

  const layout = computeContextLayout(spec);
  if (expected) checkShape(spec, layout, expected);
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
      throw readError(error, root.hostPath, expected !== undefined);
    }
    const check = expected && rootCheck(root, isDir, layout, expected);
    if (isDir) await entry(pack, { name: `${root.contextPath}/`, type: 'directory', mode: 0o755 });
    for await (const file of walkFiles(root.hostPath, { ...(signal && { signal }) })) {
      // The requirements file is hashed by its bytes alone, so its exec bit must not reach the image.
      const mode = root.role === 'requirements' ? 0o644 : undefined;
      await writeFile(pack, isDir ? `${root.contextPath}/${file.path}` : root.contextPath, file, check, mode);
    }
    check?.end();
  }
}

/** What one root must be: the requirements by their sha256, a copy entry or the source by its records. */
function rootCheck(root: ContextEntry, isDir: boolean, layout: ContextLayout, expected: ExpectedContext): RootCheck {
  // checkShape made sure each root has its expectation.
  if (root.role === 'requirements') return RootCheck.file(root.hostPath, expected.requirements!.sha256);
  const records = root.role === 'source' ? expected.source!.files : expected.copy[layout.copy.indexOf(root)]!.files;
  return RootCheck.tree(root.hostPath, isDir, records);
}

/** The identity given must describe this spec's context: a mismatch is a caller's bug, not a changed file. */
function checkShape(spec: ResolvedImageSpec, layout: ContextLayout, expected: ExpectedContext) {
  if (
    expected.copy.length === layout.copy.length &&
    !expected.requirements === !layout.requirements &&
    !expected.source === !layout.source
  ) {
    return;
  }
  throw new ImagespecError(
    'INTERNAL',
    `The files expected in the build context of \`${spec.name}\` are not its own: they do not fit its requirements, copy entries and source.`,
    {
      details: {
        spec: spec.name,
        expected: { requirements: !!expected.requirements, copy: expected.copy.length, source: !!expected.source },
        layout: { requirements: !!layout.requirements, copy: layout.copy.length, source: !!layout.source },
      },
    },
  );
}

async function writeFile(
  pack: Pack,
  name: string,
  file: ContextFile,
  check: RootCheck | undefined,
  fileMode?: number,
): Promise<void> {
  const sha256 = check?.entry(file);
  if (file.kind === 'dir') return entry(pack, { name: `${name}/`, type: 'directory', mode: 0o755 });
  if (file.kind === 'symlink')
    return entry(pack, { name, type: 'symlink', mode: 0o777, linkname: file.linkTarget ?? '' });
  const mode = fileMode ?? (file.mode & 0o111 ? 0o755 : 0o644);
  if (file.size <= WHOLE_READ_MAX) {
    const data = readSmallFile(file, check !== undefined);
    if (data) {
      if (sha256 !== undefined) verify(file, sha256, createHash('sha256').update(data));
      return entry(pack, { name, type: 'file', mode }, data);
    }
  }
  return streamFile(pack, name, mode, file, sha256, check !== undefined);
}

function verify(file: ContextFile, expected: string, hash: Hash): void {
  const actual = hash.digest('hex');
  if (actual !== expected) throw contentChanged(file, expected, actual);
}

/** The whole file, or undefined when it has grown past WHOLE_READ_MAX since the walk. */
function readSmallFile(file: ContextFile, verifying: boolean): Buffer | undefined {
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
    throw isImagespecError(error) ? error : readError(error, file.absPath, verifying);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Streams a large file in chunks, pausing while the consumer is behind. */
async function streamFile(
  pack: Pack,
  name: string,
  mode: number,
  file: ContextFile,
  sha256: string | undefined,
  verifying: boolean,
): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file.absPath, NO_FOLLOW);
  } catch (error) {
    throw readError(error, file.absPath, verifying);
  }
  try {
    // The size as of opening: the header must promise exactly what follows.
    const { size } = await handle.stat();
    const done = entryDone(pack, { name, type: 'file', mode, size });
    const sink = done.sink;
    const hash = sha256 === undefined ? undefined : createHash('sha256');
    let sent = 0;
    // The last chunk read waits until the next one is read, or the hash is checked: the
    // entry is never complete unless the file is what the tag was computed from.
    let held: Buffer | undefined;
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
          hash?.update(chunk as Buffer);
          if (held && !sink.write(held)) await drained(sink);
          held = chunk as Buffer;
        }
      } catch (error) {
        throw isImagespecError(error) ? error : readError(error, file.absPath, verifying);
      }
    }
    // The pack, destroyed by the caller with this error, tears the open entry down.
    if (sent !== size) throw changedError(file);
    if (hash) verify(file, sha256!, hash);
    sink.end(held);
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
  return contextChanged(file.absPath, 'changed while the build context was being written');
}

/** A file the walk listed that cannot be opened or read now; when verifying, a vanished file is a change. */
function readError(error: unknown, path: string, verifying: boolean): ImagespecError {
  const known = verifying ? removedOr(error, path) : fileError(error, path);
  const errno = known.details?.errno;
  if (known.code !== 'FILE_NOT_FOUND' || errno === undefined) return known;
  return new ImagespecError('FILE_UNREADABLE', known.message, {
    ...(known.hint !== undefined && { hint: known.hint }),
    cause: error,
    details: known.details,
  });
}

/** What the tag was computed from existed: gone now, it was removed since. */
function removedOr(error: unknown, path: string): ImagespecError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return contextChanged(path, 'was removed after the tag was computed');
  return fileError(error, path);
}
