/**
 * The source's files as several layers (shards), so an edit rewrites, uploads and pulls one
 * shard, not the whole source (copy entries, which edits seldom touch, stay one layer each): Jib's reason for its dependency/resource/class layers, by
 * path here. An entry's shard is a fixed function of its image path alone (FNV-1a, salted
 * apart from `endsGroup`'s), so adding or editing a file changes only its own shard. The
 * count is a power of two from the root's file bytes, one shard per SHARD_BYTES up to
 * MAX_SHARDS: a small root stays one layer, and a root changes count (and so all its
 * shards) only when its size crosses a power of two. Each shard is a whole tar (entries in
 * the listing's order); a directory lands in its own path's shard, and an unpacker creates
 * the missing parents of the others as COPY does (root, 0755). Empty shards give no layer.
 * On the bench's 1,000-file / 10 MB tree: 8 shards of 1.1-1.4 MB.
 */
export const SHARD_BYTES = 1024 * 1024;
export const MAX_SHARDS = 8;

export function shardCount(bytes: number): number {
  let count = 1;
  while (count < MAX_SHARDS && bytes >= 2 * count * SHARD_BYTES) count *= 2;
  return count;
}

export function shardOf(name: string, count: number): number {
  if (count === 1) return 0;
  let hash = 0x811c9dc5 ^ 0x73; // 's': another hash than endsGroup's over the same path
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193);
  return Math.floor((hash >>> 0) / (2 ** 32 / count));
}

/** One shard's entries in the listing's order, with where the shard sits among its root's. */
export interface Shard<T> {
  readonly index: number;
  readonly count: number;
  readonly items: readonly T[];
}

/** The root's entries (in the listing's order) as shards; empty ones are left out. */
export function splitShards<T extends { readonly name: string }>(items: readonly T[], bytes: number): Shard<T>[] {
  const count = shardCount(bytes);
  const buckets: T[][] = Array.from({ length: count }, () => []);
  for (const item of items) buckets[shardOf(item.name, count)]!.push(item);
  return buckets.flatMap((bucket, index) => (bucket.length > 0 ? [{ index, count, items: bucket }] : []));
}
