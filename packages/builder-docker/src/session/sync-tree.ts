/**
 * One directory a BuildKit session serves by file sync, as tonistiigi/fsutil's walker sees
 * it: the entries in walk order (an entry's ID in a transfer is its index in that order),
 * every parent listed, and the receiver's filters (include, exclude, follow paths) applied
 * as the walker applies them. The sender (diff-copy.ts) sends what `select` returns.
 */
import type { ContextSyncEntry } from '@imagespec/core/builder';
import {
  cleanPath,
  dedupePaths,
  ExcludeMatcher,
  followLinks,
  type LinkTree,
  matchPrefix,
  PatternError,
} from './sync-patterns.js';

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
      if (targets) include = dedupePaths([...(include ?? []), ...targets]);
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
