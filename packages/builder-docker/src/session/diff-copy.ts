/**
 * The sending side of BuildKit's file sync (`/moby.filesync.v1.FileSync/DiffCopy`), as
 * tonistiigi/fsutil's Send does it: one STAT packet per entry in walk order (an entry's ID
 * is its index in that order), then an empty STAT packet; each REQ{ID} is answered with
 * the file's bytes in DATA packets and an empty DATA packet; FIN is answered with FIN.
 * The receiver (the engine's BuildKit) compares the stats with its copy from the last
 * transfer under the same shared key and asks only for the files whose stat differs.
 */
import { GoFileMode, type Packet, PacketType, type Stat } from './filesync-proto.js';
import { PatternError } from './sync-patterns.js';
import type { SyncEntry } from './sync-tree.js';

/** Largest DATA payload; the Go sender uses 32 KiB, the receiver takes up to 4 MiB. */
const CHUNK_BYTES = 64 * 1024;

export function statOf(entry: SyncEntry): Stat {
  const perm = entry.mode & 0o777;
  switch (entry.kind) {
    case 'dir':
      return { path: entry.path, mode: GoFileMode.dir + perm };
    case 'symlink': {
      const linkname = entry.linkTarget ?? '';
      // The receiver compares sizes: a symlink's lstat size is its target's length.
      return { path: entry.path, mode: GoFileMode.symlink + perm, size: Buffer.byteLength(linkname), linkname };
    }
    default:
      return { path: entry.path, mode: perm, size: entry.size, modTime: entry.mtimeNs };
  }
}

/** The stream of one DiffCopy call, as grpc-js gives it to a bidi handler. */
export interface PacketStream extends NodeJS.EventEmitter {
  write(packet: Packet): boolean;
  end(): void;
  readonly destroyed: boolean;
}

export interface TransferStats {
  /** STAT packets sent (entries of the tree). */
  stats: number;
  /** Files the receiver asked for. */
  requested: number;
  /** Content bytes sent. */
  bytes: number;
  /** Paths asked for, in order. */
  readonly paths: string[];
}

/** Runs the sender on a DiffCopy stream until the receiver's FIN; rejects on the first failure. */
export function sendDiffCopy(stream: PacketStream, entries: readonly SyncEntry[], stats: TransferStats): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const files = new Map<number, SyncEntry>();
    let done = false;
    let chain: Promise<void> = Promise.resolve();
    const fail = (error: unknown) => {
      if (done) return;
      done = true;
      cleanup();
      reject(error);
    };
    const closed = () => fail(new SyncCancelled('the receiver closed the file sync'));
    const write = async (packet: Packet): Promise<void> => {
      if (done || stream.destroyed) throw new SyncCancelled('the file sync stream is closed');
      if (stream.write(packet)) return;
      await new Promise<void>((resume, stop) => {
        const onDrain = () => {
          off();
          resume();
        };
        const onClose = () => {
          off();
          stop(new SyncCancelled('the file sync stream closed while sending'));
        };
        const off = () => {
          stream.off('drain', onDrain);
          stream.off('close', onClose);
          stream.off('cancelled', onClose);
        };
        stream.on('drain', onDrain);
        stream.on('close', onClose);
        stream.on('cancelled', onClose);
      });
    };
    const sendFile = async (id: number, entry: SyncEntry) => {
      stats.requested++;
      stats.paths.push(entry.path);
      if (entry.read) {
        for await (const chunk of entry.read()) {
          for (let at = 0; at < chunk.length; at += CHUNK_BYTES) {
            const data = chunk.subarray(at, Math.min(chunk.length, at + CHUNK_BYTES));
            await write({ type: PacketType.DATA, id, data });
            stats.bytes += data.length;
          }
        }
      } else if (entry.size > 0) {
        throw new PatternError(`${entry.path}: no content to send`);
      }
      await write({ type: PacketType.DATA, id });
    };
    const onPacket = (packet: Packet) => {
      if (done) return;
      switch (packet.type) {
        case PacketType.REQ: {
          const id = packet.id ?? 0;
          const entry = files.get(id);
          if (!entry) {
            fail(new PatternError(`the receiver asked for an invalid file id ${id}`));
            return;
          }
          files.delete(id);
          chain = chain.then(() => (done ? undefined : sendFile(id, entry))).catch(fail);
          return;
        }
        case PacketType.FIN:
          chain = chain
            .then(() => (done ? undefined : write({ type: PacketType.FIN })))
            .then(() => {
              if (done) return;
              done = true;
              cleanup();
              stream.end();
              resolve();
            })
            .catch(fail);
          return;
        case PacketType.ERR:
          fail(new Error(`error from receiver: ${Buffer.from(packet.data ?? []).toString()}`));
          return;
        default:
          return;
      }
    };
    const cleanup = () => {
      stream.off('data', onPacket);
      stream.off('error', fail);
      stream.off('cancelled', closed);
      stream.off('end', closed);
    };
    stream.on('data', onPacket);
    stream.on('error', fail);
    stream.on('cancelled', closed);
    // The receiver half-closing before its FIN means it gave up.
    stream.on('end', closed);
    (async () => {
      for (const [id, entry] of entries.entries()) {
        if (entry.kind === 'file') files.set(id, entry);
        await write({ type: PacketType.STAT, stat: statOf(entry) });
        stats.stats++;
      }
      await write({ type: PacketType.STAT });
    })().catch(fail);
  });
}

/** The receiver stopped the transfer (the build was cancelled or failed elsewhere): not a failure of the context. */
export class SyncCancelled extends Error {
  override readonly name = 'SyncCancelled';
}
