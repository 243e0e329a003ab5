import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { ContextSyncEntry } from '@imagespec/core/builder';
import { TAR_BLOCK, tarHeaderLength, tarPadding, writeTarHeader } from '@imagespec/core/builder';
import { fileRootPath, imagePath, type LayerRoot } from './layer-roots.js';

/** A layer written to a temp file: its blob digest and size (gzip) and its diff id (tar). */
export interface WrittenLayer {
  readonly root: LayerRoot;
  readonly file: string;
  readonly digest: string;
  readonly diffId: string;
  readonly size: number;
}

/**
 * Fixed gzip settings: the same tar gives the same bytes on every machine with the same
 * zlib (Node bundles its own). The header has no name and mtime 0; its OS byte is set to
 * 3 (Unix) whatever zlib was built for. Level 1, as go-containerregistry (ko) uses: level 6
 * took 3x as long on a 10 MB source for a few percent smaller layers (sources hold
 * incompressible data too).
 */
const GZIP = { level: 1, memLevel: 8, windowBits: 15, strategy: 0, chunkSize: 256 * 1024 } as const;
const GZIP_OS_BYTE = 9;
const BATCH = 512 * 1024;
const UNIX = 3;

/**
 * Writes one layer per root from the context's entries (one pass over the listing the tag
 * was computed from; each file's bytes are checked against its digest as they stream).
 * A layer is a deterministic tar, gzipped: entries in the listing's order, mtime 0,
 * uid/gid 0, no names, modes as the context has them. Both digests are computed while
 * writing; nothing larger than a read chunk is held in memory.
 */
export async function writeLayers(
  entries: AsyncIterable<ContextSyncEntry>,
  roots: readonly LayerRoot[],
  dir: string,
  signal: AbortSignal,
): Promise<WrittenLayer[]> {
  const writers = roots.map((root, index) => new LayerFile(root, join(dir, `layer-${index}.tar.gz`), signal));
  try {
    for await (const entry of entries) {
      signal.throwIfAborted();
      const index = roots.findIndex(
        (root) => entry.path === root.entry.contextPath || entry.path.startsWith(`${root.entry.contextPath}/`),
      );
      const writer = writers[index];
      if (!writer) continue;
      const name =
        entry.path === writer.root.entry.contextPath
          ? rootName(entry, writer.root)
          : imagePath(writer.root.entry, entry.path);
      if (name === undefined) continue;
      await writer.add(entry, name);
    }
    return await Promise.all(writers.map((writer) => writer.finish()));
  } catch (error) {
    for (const writer of writers) writer.destroy();
    throw error;
  }
}

/** A root that is a file lands at its destination; a root directory itself gets no entry. */
function rootName(entry: ContextSyncEntry, root: LayerRoot): string | undefined {
  return entry.kind === 'dir' ? undefined : fileRootPath(root.entry);
}

class LayerFile {
  readonly root: LayerRoot;
  readonly #file: string;
  readonly #tarHash: Hash = createHash('sha256');
  readonly #gzHash: Hash = createHash('sha256');
  readonly #gzip;
  readonly #out: WriteStream;
  readonly #batch = Buffer.allocUnsafe(BATCH);
  #pending = 0;
  #size = 0;
  #first = true;
  readonly #done: Promise<void>;

  constructor(root: LayerRoot, file: string, signal: AbortSignal) {
    this.root = root;
    this.#file = file;
    const zlib = process.getBuiltinModule('node:zlib');
    this.#gzip = zlib.createGzip(GZIP);
    this.#out = createWriteStream(file, { signal });
    this.#gzip.on('data', (chunk: Buffer) => {
      if (this.#first) {
        this.#first = false;
        chunk[GZIP_OS_BYTE] = UNIX;
      }
      this.#gzHash.update(chunk);
      this.#size += chunk.length;
      if (!this.#out.write(chunk)) {
        this.#gzip.pause();
        this.#out.once('drain', () => this.#gzip.resume());
      }
    });
    this.#done = new Promise((resolve, reject) => {
      this.#gzip.once('end', () => this.#out.end());
      this.#gzip.once('error', reject);
      this.#out.once('error', reject);
      this.#out.once('finish', resolve);
    });
  }

  async add(entry: ContextSyncEntry, name: string): Promise<void> {
    const type = entry.kind === 'dir' ? 'directory' : entry.kind;
    const tarName = entry.kind === 'dir' ? `${name}/` : name;
    const linkname = entry.linkTarget ?? '';
    const size = entry.kind === 'file' ? entry.size : 0;
    const header = Buffer.alloc(tarHeaderLength(tarName, linkname));
    writeTarHeader(header, 0, tarName, type, entry.mode, size, linkname);
    await this.#write(header);
    if (entry.kind !== 'file' || !entry.read) return;
    let written = 0;
    for await (const chunk of entry.read()) {
      written += chunk.length;
      await this.#write(chunk);
    }
    if (written !== size) throw new Error(`${entry.path} changed size while being read (${size} -> ${written} bytes)`);
    await this.#write(Buffer.alloc(tarPadding(size)));
  }

  async finish(): Promise<WrittenLayer> {
    await this.#write(Buffer.alloc(2 * TAR_BLOCK));
    await this.#flush();
    this.#gzip.end();
    await this.#done;
    return {
      root: this.root,
      file: this.#file,
      digest: `sha256:${this.#gzHash.digest('hex')}`,
      diffId: `sha256:${this.#tarHash.digest('hex')}`,
      size: this.#size,
    };
  }

  destroy(): void {
    this.#gzip.destroy();
    this.#out.destroy();
  }

  /** Tar bytes are gathered into batches: each gzip write is a thread-pool round trip, three per file otherwise. */
  async #write(chunk: Uint8Array): Promise<void> {
    if (chunk.length === 0) return;
    if (this.#pending + chunk.length > BATCH) await this.#flush();
    if (chunk.length >= BATCH) {
      await this.#send(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
      return;
    }
    this.#batch.set(chunk, this.#pending);
    this.#pending += chunk.length;
  }

  async #flush(): Promise<void> {
    if (this.#pending === 0) return;
    const batch = Buffer.from(this.#batch.subarray(0, this.#pending));
    this.#pending = 0;
    await this.#send(batch);
  }

  async #send(bytes: Buffer): Promise<void> {
    this.#tarHash.update(bytes);
    if (!this.#gzip.write(bytes)) await once(this.#gzip, 'drain');
  }
}
