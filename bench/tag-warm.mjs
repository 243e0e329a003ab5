#!/usr/bin/env node
// Bench tag-warm: `imagespec tag` of a spec whose sourceRoot is the seeded 10,000-file /
// 100 MB tree (bench/lib/tree.mjs), in a git repository made for the run, against git on
// the same tree in the same run (alternated after a warm-up, medians):
//   warm: the stat cache filled by the warm-up run vs `git status --porcelain` (target <= 3x);
//   cold: no stat cache vs `tar -cf - DIR | sha256sum` (target <= 1.0x), both with
//     IMAGESPEC_NO_CACHE=1 and with an empty cache (that run also writes it).
// And Node's own floor against git, same run: `node -e 0`, and `node bench/lib/walk-floor.mjs`
// (start, readdir and lstat every entry, nothing else). When that floor is above 3x git
// status, no Node program meets the warm target on this machine; the lines say so.
// The page cache is warm throughout: this measures the work, not the disk. The stat cache
// lives in a temp XDG_CACHE_HOME, removed at the end with the repository.
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { alternate, CLI_DIST, round, timeProcess } from './lib/common.mjs';
import { ensureTree } from './lib/tree.mjs';

const WALK_FLOOR = new URL('./lib/walk-floor.mjs', import.meta.url).pathname;

const runs = Number(process.env.BENCH_RUNS ?? 11);
if (!existsSync(CLI_DIST)) {
  console.error(`tag-warm: ${CLI_DIST} is missing: run \`npm run build\` first.`);
  process.exit(1);
}
const source = await ensureTree({ log: (line) => console.error(`tag-warm: ${line}`) });
const work = mkdtempSync(join(tmpdir(), 'imagespec-bench-tag-warm-'));
const cacheHome = join(work, 'cache');
const repo = join(work, 'repo');

try {
  console.error('tag-warm: copying the tree into a git repository');
  cpSync(source, join(repo, 'tree'), { recursive: true, verbatimSymlinks: true });
  writeFileSync(
    join(repo, 'imagespec.yaml'),
    'name: bench\nbaseImage: localhost:5000/base:1\nregistry: localhost:5000\nsourceRoot: tree\n',
  );
  const git = (...args) => timeProcess(['git', '-C', repo, ...args]);
  git('init', '-q');
  git('add', '-A');
  git('-c', 'user.name=bench', '-c', 'user.email=bench@localhost', 'commit', '-q', '-m', 'tree');
  // Files changed within 3 s of a run are not recorded (racily clean, stat-cache.ts): let the copy age.
  await sleep(3500);

  const env = { ...process.env, XDG_CACHE_HOME: cacheHome };
  delete env.IMAGESPEC_NO_CACHE;
  const tag = (extra = {}) =>
    timeProcess([process.execPath, CLI_DIST, 'tag', join(repo, 'imagespec.yaml')], { env: { ...env, ...extra } });
  const noCache = () => tag({ IMAGESPEC_NO_CACHE: '1' });
  const emptyCache = () => {
    rmSync(cacheHome, { recursive: true, force: true });
    return tag();
  };
  const gitStatus = () => git('status', '--porcelain');
  const tarSha = () => timeProcess(['sh', '-c', 'tar -cf - "$1" 2>/dev/null | sha256sum', 'sh', join(repo, 'tree')]);

  // The warm-up fills the stat cache; the cached tag must be the one computed from every byte.
  const expected = noCache().stdout;
  if (tag().stdout !== expected || tag().stdout !== expected)
    throw new Error('the cached tag differs from the uncached one');
  if (readdirSync(join(cacheHome, 'imagespec', 'stat-cache')).length !== 1)
    throw new Error('no stat cache was written');

  const compare = (name, subject, baseline, baselineName, target) => {
    const { subject: subjectMedian, baseline: baselineMedian } = alternate(subject, baseline, runs);
    console.log(
      JSON.stringify({
        bench: 'tag-warm',
        subject: name,
        baseline: baselineName,
        subject_median_s: round(subjectMedian),
        baseline_median_s: round(baselineMedian),
        ratio: round(subjectMedian / baselineMedian, 3),
        runs,
        ...(target !== undefined && { target_ratio: target, met: subjectMedian / baselineMedian <= target }),
        tree: { files: 10_000, bytes: 100 * 1024 * 1024 },
      }),
    );
  };
  compare('imagespec tag (stat cache warm)', tag, gitStatus, 'git status --porcelain', 3);
  const nodeStart = () => timeProcess([process.execPath, '-e', '0']);
  const walkFloor = () => timeProcess([process.execPath, WALK_FLOOR, join(repo, 'tree')]);
  compare('node -e 0 (floor: start-up alone)', nodeStart, gitStatus, 'git status --porcelain', 3);
  compare(
    'node walk-floor.mjs (floor: start-up, readdir and lstat of every entry)',
    walkFloor,
    gitStatus,
    'git status --porcelain',
    3,
  );
  compare('imagespec tag (stat cache warm)', tag, walkFloor, 'node walk-floor.mjs', undefined);
  compare('imagespec tag (IMAGESPEC_NO_CACHE=1)', noCache, tarSha, 'tar -cf - DIR | sha256sum', 1);
  compare(
    'imagespec tag (empty stat cache: hashes all, writes the cache)',
    emptyCache,
    tarSha,
    'tar -cf - DIR | sha256sum',
    1,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
