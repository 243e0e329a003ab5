import { createHash } from 'node:crypto';
import { closeSync, constants as fsConstants, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { pipeline, Readable } from 'node:stream';
import { setImmediate } from 'node:timers/promises';
import type { ResolvedImageSpec } from '../contract/spec.js';
import { ImagespecError, isAbortError, isImagespecError } from '../errors.js';
import { type ListedEntry, listContext, readError, readWhole } from './entries.js';
import { DOCKERFILE_PATH, DOCKERFILE_SPEC_PATH } from './layout.js';
import { BLOCK, type EntryType, headerLength, padding, writeHeader } from './tar-header.js';
import { contentChanged, contextChanged, type ExpectedContext } from './tar-verify.js';
import type { ContextFile } from './walk.js';

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

/** Files up to this size are read whole, straight into the output; larger ones in chunks. */
const WHOLE_READ_MAX = 256 * 1024;
/**
 * The tar goes downstream in chunks of up to this size holding many small files: one push
 * (and one socket write or gzip call downstream) per ~512 KB rather than three per file.
 * Room for a whole-read file with its header and padding.
 */
const BATCH = 512 * 1024;
/** A large file is read in pieces that fill the current chunk, unless less than this is left in it. */
const PIECE_MIN = 64 * 1024;
/** Reads are blocking: hand the event loop a turn at least this often (ms), as the walk does. */
const YIELD_EVERY_MS = 15;
/** A file swapped for a symlink since the walk is an error, not a read of the link's target (as when hashing). */
const NO_FOLLOW = fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW;

/**
 * The build context as a deterministic tar: `Dockerfile` first, then every entry of
 * `computeContextLayout(spec)` at its context path, listed by `walkFiles` (the listing the
 * tag was computed from), in byte order of the names, parents before children.
 * `dockerfile: false` leaves the Dockerfile out. For a spec with its own Dockerfile: that
 * Dockerfile's context at the root, the Dockerfile given at DOCKERFILE_SPEC_PATH, and the
 * root `.dockerignore` listing it (the context's own with a line appended, or one listing
 * itself too, written last).
 *
 * Directory names end in `/`, as Docker's and GNU tar's do. Same inputs, same bytes:
 * mtime 0, uid/gid 0, no user or group names, and modes normalized to 0644/0755 for files
 * (by the executable bit), 0755 for directories. The tag records only the executable bit
 * (DESIGN: Identity), so the image must not carry
 * other permission bits, or two trees with one tag would build different images.
 * The headers are tar-stream's (ustar, pax for what ustar cannot hold), byte for byte
 * (tar-header.ts).
 *
 * Files are read with blocking calls straight into the output chunk, one file at a time,
 * and the consumer's pace is respected, so memory stays bounded whatever the context's
 * size. (On these machines a thread-pool round trip per file cost more than the read; GNU
 * tar reads the same way.) A file that vanishes, shrinks or cannot be read destroys the
 * stream with an ImagespecError naming it; an aborted signal with its reason.
 *
 * With `expected`, the context is checked as it streams against what the tag was computed
 * from: a file's bytes are hashed as they are read for the tar (no second read). A file
 * read whole is checked before any of it is written; a large file's last piece is held
 * back until its hash matches. So a changed file never reaches the tar as a whole entry
 * and nothing can be built, then pushed, under a tag that describes other content.
 */
export function createContextStream(
  spec: ResolvedImageSpec,
  dockerfile: string | false,
  options: ContextStreamOptions = {},
): Readable {
  const { signal, expected } = options;
  const tar = new TarOutput((out) => writeContext(out, spec, dockerfile, signal, expected), signal);
  if (!options.gzip) return tar;
  // No file name and mtime 0 in the gzip header (zlib's defaults for a raw stream). Level 1:
  // compression runs on the build host's CPU and bounds the whole upload; on a 1 GB
  // context level 6 ran at ~8 MB/s here, several times slower than level 1.
  // node:zlib loads here, when a context is gzipped: not for every CLI start.
  const zlib = process.getBuiltinModule('node:zlib');
  const gzip = zlib.createGzip({ level: zlib.constants.Z_BEST_SPEED, chunkSize: 64 * 1024 });
  return pipeline(tar, gzip, () => {});
}

/**
 * The tar as a Readable, written by `produce` into chunks of up to BATCH bytes. Nothing is
 * opened until the first read, so a stream that is never consumed leaks nothing. `produce`
 * waits (`wait()`) between entries and pieces while the consumer is behind, and stops at
 * the next one once the stream is destroyed (by its reader or by the signal).
 */
class TarOutput extends Readable {
  readonly #produce: (out: TarOutput) => Promise<void>;
  readonly #signal: AbortSignal | undefined;
  readonly #onAbort = () => this.destroy(this.#signal?.reason);
  #started = false;
  /** Allocated by the first `room`, and after each push. */
  #chunk = Buffer.alloc(0);
  #used = 0;
  /** The last push was refused: produce nothing more until the next `_read`. */
  #behind = false;
  #wake: (() => void) | undefined;
  #turn = 0;

  constructor(produce: (out: TarOutput) => Promise<void>, signal: AbortSignal | undefined) {
    super({ highWaterMark: 64 * 1024 });
    this.#produce = produce;
    this.#signal = signal;
  }

  override _read(): void {
    this.#behind = false;
    if (this.#started) {
      this.#resume();
      return;
    }
    this.#started = true;
    this.#run();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#signal?.removeEventListener('abort', this.#onAbort);
    this.#resume(); // the producer sees `destroyed` and stops
    callback(error);
  }

  async #run(): Promise<void> {
    this.#signal?.addEventListener('abort', this.#onAbort, { once: true });
    this.#turn = performance.now();
    try {
      await this.#produce(this);
      this.#zeros(2 * BLOCK); // end of archive
      this.#flush();
      this.push(null);
    } catch (error) {
      // Once destroyed (by the reader, the signal or an earlier error), later errors are moot.
      this.destroy(
        isAbortError(error) || isImagespecError(error)
          ? (error as Error)
          : new ImagespecError('INTERNAL', `Writing the build context failed: ${(error as Error)?.message}`, {
              cause: error,
            }),
      );
    }
  }

  /**
   * Undefined when the producer may go on at once (no promise per entry); otherwise resolves
   * when the consumer wants more or the event loop has had its turn. Throws once destroyed.
   */
  wait(): Promise<void> | undefined {
    if (this.destroyed) {
      throw new ImagespecError('CANCELLED', 'The build context stream was closed before it was fully written.');
    }
    if (this.#behind) return new Promise<void>((resolve) => (this.#wake = resolve)).then(() => this.wait());
    if (performance.now() - this.#turn < YIELD_EVERY_MS) return undefined;
    return setImmediate().then(() => {
      this.#turn = performance.now();
      return this.wait();
    });
  }

  #resume(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** The chunk being filled, with `size` bytes free from the returned offset (fill, then `commit`). */
  room(size: number): { chunk: Buffer; at: number } {
    if (this.#used + size > this.#chunk.length) {
      this.#flush();
      this.#chunk = Buffer.allocUnsafe(Math.max(BATCH, size));
    }
    return { chunk: this.#chunk, at: this.#used };
  }

  /** Free bytes in the chunk being filled. */
  get free(): number {
    return this.#chunk.length - this.#used;
  }

  commit(size: number): void {
    this.#used += size;
  }

  /** Zeros to the end of the block after `size` bytes of entry data. */
  pad(size: number): void {
    this.#zeros(padding(size));
  }

  header(name: string, type: EntryType, mode: number, size = 0, linkname = ''): void {
    const length = headerLength(name, linkname);
    const { chunk, at } = this.room(length);
    writeHeader(chunk, at, name, type, mode, size, linkname);
    this.commit(length);
  }

  /** An entry whose data is in memory. */
  entry(name: string, mode: number, data: Buffer): void {
    this.header(name, 'file', mode, data.length);
    const { chunk, at } = this.room(data.length);
    data.copy(chunk, at);
    this.commit(data.length);
    this.pad(data.length);
  }

  #zeros(size: number): void {
    const { chunk, at } = this.room(size);
    chunk.fill(0, at, at + size);
    this.commit(size);
  }

  #flush(): void {
    if (this.#used === 0) return;
    const full = this.#chunk.subarray(0, this.#used);
    this.#chunk = Buffer.alloc(0); // the consumer owns the pushed bytes
    this.#used = 0;
    if (!this.push(full)) this.#behind = true;
  }
}

async function writeContext(
  out: TarOutput,
  spec: ResolvedImageSpec,
  dockerfile: string | false,
  signal: AbortSignal | undefined,
  expected: ExpectedContext | undefined,
): Promise<void> {
  signal?.throwIfAborted();
  // A Dockerfile spec's context may hold a Dockerfile of its own: ours goes beside it, and a
  // root .dockerignore lists ours, so executors that apply it keep it out of the image.
  const ownDockerfile = spec.dockerfile !== undefined && dockerfile !== false;
  if (dockerfile !== false)
    out.entry(ownDockerfile ? DOCKERFILE_SPEC_PATH : DOCKERFILE_PATH, 0o644, Buffer.from(dockerfile));
  let dockerignoreSent = false;
  const verifying = expected !== undefined;
  for await (const entry of listContext(spec, { ...(expected && { expected }), ...(signal && { signal }) })) {
    const ready = out.wait();
    if (ready) await ready;
    if (ownDockerfile && entry.path === DOCKERIGNORE) {
      dockerignoreSent = true;
      if (entry.kind === 'file') {
        out.entry(
          entry.path,
          entry.mode,
          Buffer.concat([dockerignoreBytes(entry), Buffer.from(`\n${DOCKERFILE_SPEC_PATH}\n`)]),
        );
        continue;
      }
    }
    if (entry.kind === 'dir') out.header(`${entry.path}/`, 'directory', 0o755);
    else if (entry.kind === 'symlink') out.header(entry.path, 'symlink', 0o777, 0, entry.linkTarget ?? '');
    else {
      const streamed = writeFile(out, entry.path, entry.mode, entry.file!, entry.sha256, verifying);
      if (streamed) await streamed;
    }
  }
  // None sent: one that lists itself too, so the classic engine drops both, as if neither was there.
  if (ownDockerfile && !dockerignoreSent)
    out.entry(DOCKERIGNORE, 0o644, Buffer.from(`${DOCKERIGNORE}\n${DOCKERFILE_SPEC_PATH}\n`));
}

const DOCKERIGNORE = '.dockerignore';

/** The context's own .dockerignore as the tag was computed from it (checked when verifying). */
function dockerignoreBytes(entry: ListedEntry): Buffer {
  const file = entry.file!;
  if (entry.sha256 !== undefined) return readWhole(file, entry.sha256);
  try {
    return readFileSync(file.absPath);
  } catch (error) {
    throw readError(error, file.absPath, false);
  }
}

/**
 * A regular file's entry. A file the walk saw as small is read whole, after the room for
 * its header, asking for one byte more than the walk's size: a short read is its end, so
 * no fstat is needed, and the header is written once the size is known. A larger file (or
 * one that has grown since the walk) is streamed: returns the promise of that, else undefined.
 */
function writeFile(
  out: TarOutput,
  name: string,
  mode: number,
  file: ContextFile,
  sha256: string | undefined,
  verifying: boolean,
): Promise<void> | undefined {
  let fd: number;
  try {
    fd = openSync(file.absPath, NO_FOLLOW);
  } catch (error) {
    throw readError(error, file.absPath, verifying);
  }
  let streaming = false;
  try {
    if (file.size <= WHOLE_READ_MAX) {
      const head = headerLength(name, '');
      const { chunk, at } = out.room(head + file.size + 1 + BLOCK);
      const size = readInto(fd, chunk, at + head, file.size + 1, file, verifying);
      if (size <= file.size) {
        const data = chunk.subarray(at + head, at + head + size);
        if (sha256 !== undefined) verify(file, sha256, data);
        writeHeader(chunk, at, name, 'file', mode, size, '');
        out.commit(head + size);
        out.pad(size);
        return undefined;
      }
    }
    streaming = true;
    return streamFile(out, name, mode, fd, file, sha256, verifying).finally(() => closeSync(fd));
  } finally {
    if (!streaming) closeSync(fd);
  }
}

/** Reads up to `length` bytes from the start of the file; returns how many there were. */
function readInto(fd: number, chunk: Buffer, at: number, length: number, file: ContextFile, verifying: boolean) {
  let read = 0;
  try {
    for (let n = 1; read < length && n > 0; read += n) n = readSync(fd, chunk, at + read, length - read, read);
  } catch (error) {
    throw readError(error, file.absPath, verifying);
  }
  return read;
}

/** A large file in pieces, straight into the output, pausing while the consumer is behind. */
async function streamFile(
  out: TarOutput,
  name: string,
  mode: number,
  fd: number,
  file: ContextFile,
  sha256: string | undefined,
  verifying: boolean,
): Promise<void> {
  let size: number;
  try {
    // The size as of opening: the header must promise exactly what follows.
    size = fstatSync(fd).size;
  } catch (error) {
    throw readError(error, file.absPath, verifying);
  }
  out.header(name, 'file', mode, size);
  const hash = sha256 === undefined ? undefined : createHash('sha256');
  // Each piece is committed to the chunk being filled, which is pushed only when a later
  // piece needs the room: the last piece stays back until the hash is checked, so the
  // entry is never complete unless the file is what the tag was computed from.
  for (let sent = 0; sent < size; ) {
    const ready = out.wait();
    if (ready) await ready;
    const length = Math.min(size - sent, out.free >= PIECE_MIN ? out.free : BATCH);
    const { chunk, at } = out.room(length);
    let n: number;
    try {
      n = readSync(fd, chunk, at, length, sent);
    } catch (error) {
      throw readError(error, file.absPath, verifying);
    }
    // Shorter than at opening: the destroyed stream ends with this error, never a whole entry.
    if (n === 0) throw changedError(file);
    hash?.update(chunk.subarray(at, at + n));
    out.commit(n);
    sent += n;
  }
  if (hash) verify(file, sha256!, hash.digest('hex'));
  out.pad(size);
}

function verify(file: ContextFile, expected: string, data: Buffer | string): void {
  const actual = typeof data === 'string' ? data : createHash('sha256').update(data).digest('hex');
  if (actual !== expected) throw contentChanged(file, expected, actual);
}

function changedError(file: ContextFile): ImagespecError {
  return contextChanged(file.absPath, 'changed while the build context was being written');
}
