import type { BigIntStats } from 'node:fs';

/** What a file's digest is keyed on: size, mtime and ctime in ns, inode, device, mode (`size:mtimeNs:ctimeNs:ino:dev:mode`). */
export function statStamp(stats: BigIntStats): string {
  return `${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}:${stats.ino}:${stats.dev}:${stats.mode}`;
}
