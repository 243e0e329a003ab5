import { describe, expect, it } from 'vitest';
import { MAX_SHARDS, SHARD_BYTES, shardCount, shardOf, splitShards } from './layer-shards.js';

describe('layer shards', () => {
  it('counts a power of two per SHARD_BYTES of files, one below 2 of them, at most MAX_SHARDS', () => {
    const counts = [0, 1, 2, 3.99, 4, 7.99, 8, 1000].map((mib) => shardCount(mib * SHARD_BYTES));
    expect(counts).toEqual([1, 1, 2, 2, 4, 4, 8, MAX_SHARDS]);
    expect(MAX_SHARDS).toBe(8);
  });

  it("puts an entry in its path's shard whatever else the root holds, in the listing's order, leaving out empty shards", () => {
    const names = Array.from({ length: 400 }, (_, i) => ({ name: `app/pkg${i % 7}/m${i}.py` }));
    const shards = splitShards(names, 9 * SHARD_BYTES);
    expect(shards.map((shard) => [shard.index, shard.count])).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((i) => [i, 8]));
    // Balanced enough to matter: no shard over twice its share.
    for (const shard of shards) expect(shard.items.length).toBeLessThan(100);
    const fewer = splitShards(names.slice(0, 200), 9 * SHARD_BYTES);
    for (const shard of fewer) {
      const all = shards.find((other) => other.index === shard.index)!;
      expect(shard.items).toEqual(all.items.filter((item) => names.indexOf(item) < 200));
    }
    expect(splitShards([{ name: 'a' }], 9 * SHARD_BYTES)).toEqual([
      { index: shardOf('a', 8), count: 8, items: [{ name: 'a' }] },
    ]);
    expect(splitShards(names, SHARD_BYTES)).toEqual([{ index: 0, count: 1, items: names }]);
  });
});
