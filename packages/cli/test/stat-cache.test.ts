import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RACY_NS, StatCache, statCacheFile, walkFiles } from '@imagespec/core/context';
import { afterEach, describe, expect, it } from 'vitest';
import { runBin, tempProject } from './run-bin.js';

const disposers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const dispose of disposers.splice(0)) await dispose();
});

describe('the stat cache from the CLI', () => {
  it('is used by tag, and bypassed by --no-cache (before or after the command) and IMAGESPEC_NO_CACHE=1', async () => {
    const project = await tempProject({
      'imagespec.yaml': 'name: app\nbaseImage: localhost:5000/base:1\nsourceRoot: src\n',
      'src/app.py': 'print(1)\n',
    });
    const cacheHome = await mkdtemp(join(tmpdir(), 'imagespec-cache-home-'));
    disposers.push(project.dispose, () => rm(cacheHome, { recursive: true, force: true }));
    const tag = async (args: string[], env: Record<string, string> = {}) => {
      const result = await runBin(args, { cwd: project.dir, env: { XDG_CACHE_HOME: cacheHome, ...env } });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      return result.stdout;
    };
    const honest = await tag(['tag'], { IMAGESPEC_NO_CACHE: '1' });

    // A cache entry that gives app.py another digest under its current stat: a tag that
    // follows it shows the cache was read.
    const file = statCacheFile(project.dir, { XDG_CACHE_HOME: cacheHome })!;
    const cache = new StatCache(file, () => BigInt(Date.now()) * 1_000_000n + 2n * RACY_NS);
    const run = cache.tree(join(project.dir, 'src'));
    const files = [];
    for await (const entry of walkFiles(join(project.dir, 'src'))) if (!run.known(entry)) files.push(entry);
    run.hashed(files, ['f'.repeat(64)]);
    cache.save();
    const planted = readFileSync(file, 'utf8');

    const cached = await tag(['tag']);
    expect(cached).toMatch(/^app:[a-z2-7]{26}\n$/);
    expect(cached).not.toBe(honest);
    expect(await tag(['tag', '--no-cache'])).toBe(honest);
    expect(await tag(['--no-cache', 'tag'])).toBe(honest);
    expect(await tag(['tag'], { IMAGESPEC_NO_CACHE: '1' })).toBe(honest);
    expect(readFileSync(file, 'utf8')).toBe(planted);
  });
});
