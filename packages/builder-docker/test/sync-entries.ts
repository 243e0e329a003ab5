/** Entries of a file-sync tree for the sender's and the tree's unit tests. */
import type { SyncEntry } from '../src/session/sync-tree.js';

export const file = (path: string, content = path, mode = 0o644): SyncEntry => {
  const bytes = Buffer.from(content);
  return {
    path,
    kind: 'file',
    mode,
    size: bytes.length,
    mtimeNs: bytes.length,
    async *read() {
      yield bytes;
    },
  };
};
export const dir = (path: string): SyncEntry => ({ path, kind: 'dir', mode: 0o755, size: 0, mtimeNs: 0 });
export const paths = (entries: readonly SyncEntry[]) => entries.map((entry) => entry.path);
