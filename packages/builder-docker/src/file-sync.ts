/**
 * The sending side of BuildKit's file sync (`/moby.filesync.v1.FileSync/DiffCopy`), as
 * tonistiigi/fsutil's Send does it: one STAT packet per entry in walk order (an entry's ID
 * is its index in that order), then an empty STAT packet; each REQ{ID} is answered with
 * the file's bytes in DATA packets and an empty DATA packet; FIN is answered with FIN.
 * The receiver (the engine's BuildKit) compares the stats with its copy from the last
 * transfer under the same shared key and asks only for the files whose stat differs.
 */
import type { ContextSyncEntry } from '@imagespec/core/builder';
import { GoFileMode, type Packet, PacketType, type Stat } from './filesync-proto.js';
import { cleanPath, ExcludeMatcher, followLinks, type LinkTree, matchPrefix, PatternError } from './sync-patterns.js';

/** Largest DATA payload; the Go sender uses 32 KiB, the receiver takes up to 4 MiB. */
const CHUNK_BYTES = 64 * 1024;

export type SyncEntry = ContextSyncEntry;

/** fsutil's walk order: a directory's contents right after it, names byte-sorted within a directory. */
function walkKey(path: string): Buffer {
  // '/' sorts as the lowest byte, so `a/b` comes before `a-x` and `a.txt`, as a directory walk has them.
  return Buffer.from(path.replaceAll('/', '\0'), 'utf8');
}

function checkPath(path: string): void {
  if (
    path === '' ||
    path.startsWith('/') ||
    path.endsWith('/') ||
    path.includes('\0') ||
    path.split('/').some((part) => part === '' || part === '.' || part === '..')
  ) {
    throw new PatternError(`invalid path in the build context: ${JSON.stringify(path)}`);
  }
}

/** The entries of one synced directory, in fsutil's walk order, every parent directory listed. */
export class SyncTree implements LinkTree {
  readonly entries: readonly SyncEntry[];
  readonly #byPath = new Map<string, SyncEntry>();
  readonly #children = new Map<string, string[]>();

  constructor(entries: Iterable<SyncEntry>) {
    for (const entry of entries) {
      checkPath(entry.path);
      if (this.#byPath.has(entry.path)) throw new PatternError(`duplicate path in the build context: ${entry.path}`);
      this.#byPath.set(entry.path, entry);
    }
    // A parent the list leaves out is created, as a tar extraction would.
    for (const path of [...this.#byPath.keys()]) {
      let slash = path.lastIndexOf('/');
      while (slash !== -1) {
        const parent = path.slice(0, slash);
        const existing = this.#byPath.get(parent);
        if (existing) {
          if (existing.kind !== 'dir') throw new PatternError(`${parent} is not a directory but ${path} is under it`);
          break;
        }
        this.#byPath.set(parent, { path: parent, kind: 'dir', mode: 0o755, size: 0, mtimeNs: 0 });
        slash = parent.lastIndexOf('/');
      }
    }
    const keyed = [...this.#byPath.values()].map((entry) => ({ entry, key: walkKey(entry.path) }));
    keyed.sort((a, b) => Buffer.compare(a.key, b.key));
    this.entries = keyed.map(({ entry }) => entry);
    for (const { path } of this.entries) {
      const slash = path.lastIndexOf('/');
      const dir = slash === -1 ? '' : path.slice(0, slash);
      const list = this.#children.get(dir) ?? [];
      list.push(path.slice(slash + 1));
      this.#children.set(dir, list);
    }
  }

  static async collect(entries: AsyncIterable<SyncEntry> | Iterable<SyncEntry>): Promise<SyncTree> {
    const list: SyncEntry[] = [];
    for await (const entry of entries) list.push(entry);
    return new SyncTree(list);
  }

  /** Whether a path holds ", ", which makes joined metadata values ambiguous. */
  get hasCommaSpace(): boolean {
    return this.entries.some((entry) => entry.path.includes(', '));
  }

  linkTarget(path: string): string | undefined {
    const entry = this.#byPath.get(path);
    return entry?.kind === 'symlink' ? entry.linkTarget : undefined;
  }

  children(dir: string): readonly string[] {
    return this.#children.get(dir) ?? [];
  }

  /** What the receiver asked for: fsutil's walker filters applied in walk order. */
  select(filters: SyncFilters): SyncEntry[] {
    let include = filters.includePatterns?.map(cleanPath);
    if (filters.followPaths) {
      const targets = followLinks(this, filters.followPaths);
      if (targets) include = dedupeUnsorted([...(include ?? []), ...targets]);
    }
    const exclude = filters.excludePatterns ? new ExcludeMatcher(filters.excludePatterns) : undefined;
    const out: SyncEntry[] = [];
    let skipUnder: string | undefined;
    let lastIncludedDir: string | undefined;
    for (const entry of this.entries) {
      const { path } = entry;
      if (skipUnder !== undefined) {
        if (path.startsWith(`${skipUnder}/`)) continue;
        skipUnder = undefined;
      }
      const isDir = entry.kind === 'dir';
      if (include) {
        const inside = lastIncludedDir !== undefined && path.startsWith(`${lastIncludedDir}/`);
        if (!inside) {
          let matched = false;
          let partial = true;
          for (const pattern of include) {
            const result = matchPrefix(pattern, path);
            if (result.matched) {
              matched = true;
              if (!result.partial) {
                partial = false;
                break;
              }
            }
          }
          if (!matched) {
            if (isDir) skipUnder = path;
            continue;
          }
          if (!partial && isDir) lastIncludedDir = path;
        }
      }
      if (exclude?.matches(path)) {
        if (!isDir) continue;
        const dirSlash = `${path}/`;
        const reopened =
          exclude.hasExclusions && exclude.rules.some((rule) => rule.exclusion && `${rule.text}/`.startsWith(dirSlash));
        if (!reopened) {
          skipUnder = path;
          continue;
        }
      }
      out.push(entry);
    }
    return out;
  }
}

/** fsutil's dedupePaths on an unsorted list, as the walker calls it: a root path means no filter. */
function dedupeUnsorted(paths: readonly string[]): string[] | undefined {
  const out: string[] = [];
  let last: string | undefined;
  for (const path of paths) {
    if (path === '.') return undefined;
    if (last !== undefined && path.startsWith(`${last}/`)) continue;
    out.push(path);
    last = path;
  }
  return out;
}

/**
 * The filters of a DiffCopy call from its gRPC metadata. Node's HTTP/2 joins the values of a
 * repeated header with ", " (grpc-go sends one header per value), so a list arrives as one
 * string and is split on ", ". That is exact unless a value holds ", " itself, which only a
 * tree with such a path can make matter: then an include or follow list is dropped (the
 * whole tree is sent, a superset the build reads the same), and an exclude list fails the
 * transfer rather than send files it should not.
 */
export function filtersFromMetadata(
  values: (key: string) => readonly string[] | undefined,
  tree: SyncTree,
): { filters: SyncFilters; dropped: string[] } {
  const dropped: string[] = [];
  const list = (key: string): string[] | undefined => {
    const raw = values(key);
    if (!raw) return undefined;
    const joined = raw.some((value) => value.includes(', '));
    if (joined && tree.hasCommaSpace) {
      if (key === 'exclude-patterns')
        throw new PatternError(
          `cannot tell the exclude patterns ${JSON.stringify(raw)} apart: the context has paths with ", "`,
        );
      dropped.push(key);
      return undefined;
    }
    return raw.flatMap((value) => value.split(', '));
  };
  const includePatterns = list('include-patterns');
  const excludePatterns = list('exclude-patterns');
  const followPaths = list('followpaths');
  return {
    filters: {
      ...(includePatterns && { includePatterns }),
      ...(excludePatterns && { excludePatterns }),
      ...(followPaths && { followPaths }),
    },
    dropped,
  };
}

export interface SyncFilters {
  readonly includePatterns?: readonly string[];
  readonly excludePatterns?: readonly string[];
  readonly followPaths?: readonly string[];
}

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
