/**
 * The mtime a file-sync entry reports for content with this sha256 (hex): nanoseconds below
 * one second, taken from the digest, so tools still show the epoch while a receiver that
 * compares stats (BuildKit's file sync: path, size, mtime) asks again for every file whose
 * content changed. A stale copy would need a 30-bit collision at the same size.
 */
export function contentMtimeNs(sha256: string): number {
  return Number.parseInt(sha256.slice(0, 8), 16) % 1_000_000_000;
}
