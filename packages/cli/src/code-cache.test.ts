import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cacheStamp, defaultCacheDir, loadBundle } from './code-cache.js';

let dir: string;
let bundle: string;
let cacheDir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imagespec-code-cache-test-'));
  bundle = join(dir, 'bundle.cjs');
  cacheDir = join(dir, 'cache');
  // Enough code that V8 has something to cache, and a require.
  await writeFile(
    bundle,
    `const { join } = require('node:path');
exports.answer = (n) => n * 2;
exports.joined = join('a', 'b');
exports.file = __filename;
`,
  );
});
afterEach(() => rm(dir, { recursive: true, force: true }));

type Bundle = { answer(n: number): number; joined: string; file: string };
const load = (slot = 'tag') => loadBundle<Bundle>({ file: bundle, slot, cacheDir });

describe('loadBundle', () => {
  it('runs a CommonJS bundle, saves its code cache, and compiles from it the next time', async () => {
    const first = load();
    expect(first.cached).toBe(false);
    expect(first.exports.answer(21)).toBe(42);
    expect(first.exports.joined).toBe(join('a', 'b'));
    expect(first.exports.file).toBe(bundle);
    first.save();
    expect(await readdir(cacheDir)).toEqual([expect.stringMatching(/^bundle\.cjs-tag-[0-9a-f]{8}\.v8$/)]);

    const second = load();
    expect(second.cached).toBe(true);
    expect(second.exports.answer(2)).toBe(4);
    // Another command has its own slot.
    expect(load('build').cached).toBe(false);
  });

  it('ignores a cache whose stamp no longer matches the bundle, and one V8 rejects', async () => {
    load().save();
    await writeFile(bundle, `${await readFile(bundle, 'utf8')}exports.more = 1;\n`);
    const changed = load();
    expect(changed.cached).toBe(false);
    expect(changed.exports).toHaveProperty('more', 1);
    changed.save();
    expect(load().cached).toBe(true);

    // A cache V8 refuses. Its source must be new to this process: V8 reuses a script it
    // compiled before without looking at the cached data.
    await writeFile(
      bundle,
      `${await readFile(bundle, 'utf8')}exports.unseen = ${JSON.stringify(String(Math.random()))};\n`,
    );
    const [file] = await readdir(cacheDir);
    await writeFile(join(cacheDir, file!), `${cacheStamp(bundle)}\nnot a V8 code cache`);
    const rejected = load();
    expect(rejected.cached).toBe(false);
    expect(rejected.exports.answer(1)).toBe(2);
    rejected.save();
    expect((await readFile(join(cacheDir, file!))).length).toBeGreaterThan(200);
  });

  it('runs without a cache dir, and leaves no temp file when the cache cannot be written', async () => {
    const plain = loadBundle<Bundle>({ file: bundle, slot: 'tag', cacheDir: undefined });
    expect(plain.exports.answer(3)).toBe(6);
    plain.save();
    // A file where the cache dir should be: mkdir fails, save stays quiet.
    await writeFile(cacheDir, 'in the way');
    const blocked = load();
    blocked.save();
    expect(await readdir(dir)).toEqual(['bundle.cjs', 'cache']);
  });

  it('the default dir is per user in the temp dir; IMAGESPEC_CODE_CACHE=0 turns it off', () => {
    expect(defaultCacheDir({})).toMatch(new RegExp(`^${tmpdir()}/imagespec-code-cache-`));
    expect(defaultCacheDir({ IMAGESPEC_CODE_CACHE_DIR: '/x' })).toBe('/x');
    expect(defaultCacheDir({ IMAGESPEC_CODE_CACHE: '0' })).toBeUndefined();
    expect(defaultCacheDir({ NODE_DISABLE_COMPILE_CACHE: '1' })).toBeUndefined();
  });
});
