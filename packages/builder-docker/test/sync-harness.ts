/**
 * Test-only: `BuildRequest.contextEntries` for requests made before core lists them itself.
 * The entries come from core's own context tar (same layout, order and modes), without the
 * Dockerfile, in the contract's shape: mtimeNs from the content digest, read() serving the
 * bytes the tar had.
 */
import { createHash } from 'node:crypto';
import { type BuildRequest, type ContextSyncEntry, contentMtimeNs } from '@imagespec/core/builder';

interface TarEntry {
  readonly path: string;
  readonly type: string;
  readonly mode: number;
  readonly linkTarget: string;
  readonly content: Buffer;
}

async function readStream(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer | string>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

const text = (block: Buffer, start: number, length: number) =>
  block
    .subarray(start, start + length)
    .toString('utf8')
    .replace(/\0.*$/s, '');
const octal = (block: Buffer, start: number, length: number) =>
  Number.parseInt(text(block, start, length).trim() || '0', 8);

/** A small ustar/pax reader: enough for core's context tar. */
export function parseTar(tar: Buffer): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  let pax: Record<string, string> = {};
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) break;
    const size = octal(header, 124, 12);
    const type = text(header, 156, 1) || '0';
    const content = tar.subarray(offset + 512, offset + 512 + size);
    offset += 512 + Math.ceil(size / 512) * 512;
    if (type === 'x') {
      pax = {};
      let at = 0;
      while (at < content.length) {
        const space = content.indexOf(0x20, at);
        const length = Number(content.subarray(at, space).toString());
        const record = content.subarray(space + 1, at + length - 1).toString('utf8');
        const eq = record.indexOf('=');
        pax[record.slice(0, eq)] = record.slice(eq + 1);
        at += length;
      }
      continue;
    }
    const prefix = text(header, 345, 155);
    const name = pax.path ?? (prefix ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100));
    entries.push({
      path: name.replace(/\/$/, ''),
      type,
      mode: octal(header, 100, 8),
      linkTarget: pax.linkpath ?? text(header, 157, 100),
      content: Buffer.from(content),
    });
    pax = {};
  }
  return entries;
}

/** mtimeNs as the contract has it: taken from the content digest, below one second. */
export function mtimeOf(content: Uint8Array): number {
  return contentMtimeNs(createHash('sha256').update(content).digest('hex'));
}

/** The context entries (Dockerfile left out) of a request's BuildKit context tar. */
export async function contextEntriesOf(request: BuildRequest): Promise<ContextSyncEntry[]> {
  const tar = await readStream(request.context({ dialect: 'buildkit' }));
  return parseTar(tar)
    .filter((entry) => entry.path !== 'Dockerfile')
    .map((entry): ContextSyncEntry => {
      if (entry.type === '5') return { path: entry.path, kind: 'dir', mode: entry.mode, size: 0, mtimeNs: 0 };
      if (entry.type === '2')
        return { path: entry.path, kind: 'symlink', mode: 0o777, size: 0, mtimeNs: 0, linkTarget: entry.linkTarget };
      const content = entry.content;
      return {
        path: entry.path,
        kind: 'file',
        mode: entry.mode,
        size: content.length,
        mtimeNs: mtimeOf(content),
        async *read() {
          // Two chunks, as a file stream would give them.
          yield content.subarray(0, content.length >> 1);
          yield content.subarray(content.length >> 1);
        },
      };
    });
}

/** The request with `contextEntries` from its own tar, each entry passed through `map` (for failures). */
export async function withContextEntries(
  request: BuildRequest,
  map: (entry: ContextSyncEntry) => ContextSyncEntry = (entry) => entry,
): Promise<BuildRequest> {
  const entries = (await contextEntriesOf(request)).map(map);
  return {
    ...request,
    async *contextEntries() {
      yield* entries;
    },
  };
}
