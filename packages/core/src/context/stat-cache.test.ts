import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testSpec } from '../../test/test-spec.js';
import { isImagespecError } from '../errors.js';
import { computeImageIdentity } from '../hash/identity.js';
import { digestTree } from './digest.js';
import {
  parseStatCache,
  RACY_NS,
  STAT_CACHE_FORMAT,
  StatCache,
  statCacheFile,
  statCacheFor,
  statCacheRecords,
} from './stat-cache.js';
import { createContextStream } from './tar.js';
import { type ContextFile, walkFiles } from './walk.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const FAKE = 'f'.repeat(64);
/** An mtime utimes sets exactly (seconds as a double lose nanoseconds). */
const WHOLE_SECOND = 1_700_000_000;

let root: string;
let tree: string;
let file: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'imagespec-stat-cache-'));
  tree = join(root, 'src');
  file = join(root, 'cache', 'project.json');
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function put(path: string, content: string) {
  await mkdir(dirname(join(tree, path)), { recursive: true });
  await writeFile(join(tree, path), content);
}

/** A clock this far after now: files written by the test are old enough to record. */
const later = (ns: bigint) => () => BigInt(Date.now()) * 1_000_000n + ns;
const cacheAt = (clock = later(2n * RACY_NS)) => new StatCache(file, clock);

/**
 * Starts the cache over and records every file of the tree under its current stat, `path`
 * with `digest` whatever its content: as if it had been hashed when it held that content.
 */
async function recordAs(path: string, digest: string) {
  await rm(file, { force: true });
  const cache = cacheAt();
  const run = cache.tree(tree);
  const listed: ContextFile[] = [];
  for await (const entry of walkFiles(tree)) if (entry.kind === 'file' && !run.known(entry)) listed.push(entry);
  run.hashed(
    listed,
    listed.map((entry) => (entry.path === path ? digest : sha256(readFileSync(entry.absPath, 'utf8')))),
  );
  cache.save();
}

/** The saved records of the tree, path -> `<stamp>:<sha256>`, in the file's order. */
const savedRecords = () => new Map(statCacheRecords(parseStatCache(readFileSync(file, 'utf8'))?.get(tree) ?? ''));

const shaOf = async (cache: StatCache | undefined, path: string) =>
  (await digestTree(tree, { ...(cache && { statCache: cache }) })).files.find((f) => f.path === path)?.sha256;

describe('StatCache', () => {
  it('does not read a file whose stat is unchanged: the recorded digest is used', async () => {
    await put('a.py', 'hello\n');
    await put('b/c.py', 'world\n');
    expect(await shaOf(cacheAt(), 'a.py')).toBe(sha256('hello\n'));
    await recordAs('a.py', FAKE);
    // A new instance reads the saved file: its digest is the recorded one, so a.py was not read.
    expect(await shaOf(cacheAt(), 'a.py')).toBe(FAKE);
    expect(await shaOf(cacheAt(), 'b/c.py')).toBe(sha256('world\n'));
  });

  it('hashes a file again when its size, mtime or ctime changed', async () => {
    await put('a.py', 'hello\n');
    await recordAs('a.py', FAKE);
    await put('a.py', 'hello, world\n');
    expect(await shaOf(cacheAt(), 'a.py')).toBe(sha256('hello, world\n'));

    await utimes(join(tree, 'a.py'), WHOLE_SECOND, WHOLE_SECOND);
    await recordAs('a.py', FAKE);
    // Same size, mtime put back: only the ctime tells.
    await put('a.py', 'HELLO, WORLD\n');
    await utimes(join(tree, 'a.py'), WHOLE_SECOND, WHOLE_SECOND);
    expect((await stat(join(tree, 'a.py'), { bigint: true })).mtimeNs).toBe(BigInt(WHOLE_SECOND) * 1_000_000_000n);
    expect(await shaOf(cacheAt(), 'a.py')).toBe(sha256('HELLO, WORLD\n'));
  });

  it('does not record a racily clean file (changed within RACY_NS of the run) until it is older', async () => {
    await put('a.py', 'hello\n');
    const now = new StatCache(file); // the real clock: a.py was written just now
    expect(await shaOf(now, 'a.py')).toBe(sha256('hello\n'));
    now.save();
    expect(existsSync(file)).toBe(false); // nothing worth writing
    // Had it been recorded, a lying digest could stick; it is not, so a later run reads the file.
    const recorded = cacheAt();
    expect(await shaOf(recorded, 'a.py')).toBe(sha256('hello\n'));
    recorded.save();
    expect(savedRecords().get('a.py')).toMatch(new RegExp(`:${sha256('hello\n')}$`));
  });

  it('drops files that are gone and writes nothing when nothing changed', async () => {
    await put('a.py', 'a');
    await put('b.py', 'b');
    const first = cacheAt();
    await shaOf(first, 'a.py');
    first.save();
    expect([...savedRecords().keys()]).toEqual(['a.py', 'b.py']);
    const written = (await stat(file)).mtimeMs;

    const unchanged = cacheAt();
    await shaOf(unchanged, 'a.py');
    await rm(file); // a save would put it back
    unchanged.save();
    expect(existsSync(file)).toBe(false);

    await rm(join(tree, 'b.py'));
    const second = cacheAt();
    await shaOf(second, 'a.py');
    second.save();
    expect([...savedRecords().keys()]).toEqual(['a.py']);
    expect(written).toBeGreaterThan(0);
  });

  it.each([
    ['cut short', (whole: string) => whole.slice(0, -10)],
    ['of another format', (whole: string) => whole.replace(STAT_CACHE_FORMAT, 'imagespec-stat-cache/1')],
    ['of a wrong length', (whole: string) => whole.replace(/\0(\d+)\0/, (_, n) => `\0${Number(n) + 1000}\0`)],
  ])('ignores a cache file %s and writes it again', async (_what, spoil) => {
    await put('a.py', 'hello\n');
    await recordAs('a.py', FAKE);
    await writeFile(file, spoil(readFileSync(file, 'utf8')));
    expect(parseStatCache(readFileSync(file, 'utf8'))).toBeUndefined();
    const cache = cacheAt();
    expect(await shaOf(cache, 'a.py')).toBe(sha256('hello\n'));
    cache.save();
    expect(readFileSync(file, 'utf8').startsWith(`${STAT_CACHE_FORMAT}\n`)).toBe(true);
    expect(savedRecords().get('a.py')).toMatch(new RegExp(`:${sha256('hello\n')}$`));
  });

  it('keeps knowing the other files when files are added, removed or changed between recorded ones', async () => {
    for (const name of ['a', 'c', 'e', 'g']) await put(`${name}.py`, name);
    await put('d/x.py', 'x');
    await rm(file, { force: true });
    const first = cacheAt();
    await shaOf(first, 'a.py');
    first.save();
    // Record lying digests: a file that is read shows its real one.
    const lying = [...savedRecords()].map(([path, value]) => `${path}\0${value.slice(0, -64)}${FAKE}\0`).join('');
    writeFileSync(file, `${STAT_CACHE_FORMAT}\n${tree}\0${lying.length}\0${lying}`);
    await put('b.py', 'b'); // new, before a recorded file
    await put('h.py', 'h'); // new, after the last one
    await rm(join(tree, 'e.py'));
    await put('c.py', 'cc'); // changed
    const cache = cacheAt();
    const files = (await digestTree(tree, { statCache: cache })).files.filter((f) => f.mode !== 'dir');
    expect(files.map((f) => [f.path, f.sha256])).toEqual([
      ['a.py', FAKE],
      ['b.py', sha256('b')],
      ['c.py', sha256('cc')],
      ['d/x.py', FAKE],
      ['g.py', FAKE],
      ['h.py', sha256('h')],
    ]);
    cache.save();
    expect([...savedRecords().keys()]).toEqual(['a.py', 'b.py', 'c.py', 'd/x.py', 'g.py', 'h.py']);
  });

  it('is never torn by processes saving at once: every read sees a whole file', { timeout: 120_000 }, async () => {
    // Fewer than 256 files: hashed on the writers' main threads, no worker pool per round.
    for (let i = 0; i < 200; i++) await put(`d${i % 10}/f${i}.py`, `${i}\n`.repeat(i));
    const module = fileURLToPath(new URL('./stat-cache.ts', import.meta.url));
    const digestModule = fileURLToPath(new URL('./digest.ts', import.meta.url));
    // Each writer hashes the tree with its own instance and saves, 10 times over.
    const script = `
      const { createJiti } = require('jiti');
      const jiti = createJiti(${JSON.stringify(module)});
      (async () => {
        const { StatCache } = await jiti.import(${JSON.stringify(module)});
        const { digestTree } = await jiti.import(${JSON.stringify(digestModule)});
        for (let i = 0; i < 10; i++) {
          const cache = new StatCache(${JSON.stringify(file)}, () => BigInt(Date.now()) * 1000000n + 10000000000n);
          await digestTree(${JSON.stringify(tree)}, { statCache: cache });
          cache.save();
          // Force a write every round: forget what is on disk.
          require('node:fs').rmSync(${JSON.stringify(file)}, { force: true });
        }
      })().catch((error) => { console.error(error); process.exit(1); });
    `;
    const writers = Array.from({ length: 3 }, () =>
      spawn(process.execPath, ['-e', script], { cwd: fileURLToPath(new URL('.', import.meta.url)), stdio: 'inherit' }),
    );
    const exits = writers.map((child) => new Promise<number | null>((resolve) => child.on('exit', resolve)));
    let running = writers.length;
    for (const exit of exits) void exit.then(() => running--);
    let reads = 0;
    while (running > 0) {
      let text: string | undefined;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        // between a remove and the next rename
      }
      if (text !== undefined) {
        const parsed = parseStatCache(text); // undefined for a torn file
        expect(statCacheRecords(parsed?.get(tree) ?? '')).toHaveLength(200);
        reads++;
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await Promise.all(exits)).toEqual([0, 0, 0]);
    expect(reads).toBeGreaterThan(0);
  });
});

describe('statCacheFile', () => {
  it('lives under XDG_CACHE_HOME, else ~/.cache, one file per project', () => {
    const a = statCacheFile('/work/a', { XDG_CACHE_HOME: '/xdg', HOME: '/home/u' });
    expect(a).toMatch(/^\/xdg\/imagespec\/stat-cache\/[0-9a-f]{32}\.cache$/);
    expect(statCacheFile('/work/a', { HOME: '/home/u' })).toBe(a!.replace('/xdg', '/home/u/.cache'));
    // A relative XDG_CACHE_HOME is invalid (XDG): ignored.
    expect(statCacheFile('/work/a', { XDG_CACHE_HOME: 'rel', HOME: '/home/u' })).toBe(
      a!.replace('/xdg', '/home/u/.cache'),
    );
    expect(statCacheFile('/work/b', { XDG_CACHE_HOME: '/xdg' })).not.toBe(a);
  });

  it('is off when it would be written inside the project (HOME is the project folder)', () => {
    expect(statCacheFile('/work/a', { HOME: '/work/a' })).toBeUndefined();
    expect(statCacheFile('/work/a', { XDG_CACHE_HOME: '/work/a/.cache' })).toBeUndefined();
    expect(statCacheFile('/work/a', { HOME: '/work' })).toMatch(/^\/work\/\.cache\//);
  });

  it('is off with IMAGESPEC_NO_CACHE=1', () => {
    expect(statCacheFile('/work/a', { IMAGESPEC_NO_CACHE: '1', HOME: '/home/u' })).toBeUndefined();
    expect(statCacheFor('/work/a', { env: { IMAGESPEC_NO_CACHE: '1', HOME: '/home/u' } })).toBeUndefined();
    expect(statCacheFile('/work/a', { IMAGESPEC_NO_CACHE: '0', HOME: '/home/u' })).toBeDefined();
  });
});

describe('a stat that lies', () => {
  async function collect(stream: Readable): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  it('gives the tag of the old content, and the build context fails with CONTEXT_CHANGED', async () => {
    await put('app.py', 'print(1)\n');
    await utimes(join(tree, 'app.py'), WHOLE_SECOND, WHOLE_SECOND);
    const spec = testSpec({ baseImage: 'localhost:5000/base:1', origin: { dir: root }, sourceRoot: tree });
    const honest = await computeImageIdentity(spec, { statCache: cacheAt() });
    await recordAs('app.py', sha256('print(1)\n'));

    // Same size, mtime restored: only the ctime differs, and the cache sees it.
    await put('app.py', 'print(2)\n');
    await utimes(join(tree, 'app.py'), WHOLE_SECOND, WHOLE_SECOND);
    const changed = await computeImageIdentity(spec, { statCache: cacheAt() });
    expect(changed.tag).not.toBe(honest.tag);

    // Had the ctime been put back too (root and the clock set back), the stat would be the
    // one recorded with the old digest: that is this cache entry.
    await recordAs('app.py', sha256('print(1)\n'));
    const stale = await computeImageIdentity(spec, { statCache: cacheAt() });
    expect(stale.tag).toBe(honest.tag);
    expect(stale.tag).not.toBe((await computeImageIdentity(spec, { statCache: false })).tag);

    for (const gzip of [false, true]) {
      const error = await collect(createContextStream(spec, 'FROM scratch\n', { gzip, expected: stale.files })).catch(
        (e: unknown) => e,
      );
      expect(isImagespecError(error) && error.code).toBe('CONTEXT_CHANGED');
      expect((error as Error).message).toContain(join(tree, 'app.py'));
    }
  });
});
