#!/usr/bin/env node
// Bench fresh-runner: a CI runner's first `imagespec build` in a clean clone (no stat
// cache, no local images) of a project whose 21 images (a base spec and 20 apps on it,
// bench/lib/graph-project.mjs) are all in the registry: every image is skipped. Baseline:
// `imagespec tag` of the same specs in another clean clone. Each run copies the project
// afresh and starts with an empty XDG_CACHE_HOME; alternated after a warm-up, medians.
// Targets (issue 15): the build under 1 s and at most 1.5x the tag.
// Needs the built packages (`npm run build`) and the test environment (test-env/).
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_DIST, importRepoTs, median, requireDockerBenchBuilt, round, timeProcess } from './lib/common.mjs';
import { buildEvents, removeLocalImages, writeGraphProject } from './lib/graph-project.mjs';

const runs = Number(process.env.BENCH_RUNS ?? 5);
const APPS = 20;
requireDockerBenchBuilt('fresh-runner');
const log = (line) => console.error(`fresh-runner: ${line}`);
const { ensureTestEnvironment } = await importRepoTs('test-env/src/environment.ts');
const { env, stop } = await ensureTestEnvironment(log);
await stop();

const work = mkdtempSync(join(tmpdir(), 'imagespec-bench-fresh-runner-'));
const origin = join(work, 'origin');
// A fixed id: the images stay in the registry between bench runs, built by the first one.
const { images } = await writeGraphProject(origin, { env, id: 'fresh-v1', apps: APPS });
let clones = 0;
/** A clean clone of the project and an empty cache directory; returns the command's run. */
function inCleanClone(args) {
  const clone = join(work, `clone-${clones++}`);
  cpSync(origin, clone, { recursive: true });
  const cacheHome = join(clone, '..', `cache-${clones}`);
  try {
    return timeProcess([process.execPath, CLI_DIST, ...args, 'images.yaml'], {
      cwd: clone,
      env: { ...process.env, XDG_CACHE_HOME: cacheHome },
    });
  } finally {
    rmSync(clone, { recursive: true, force: true });
    rmSync(cacheHome, { recursive: true, force: true });
  }
}

try {
  log('making sure every image is in the registry (built and pushed the first time)');
  const first = timeProcess([process.execPath, CLI_DIST, 'build', '--progress', 'plain', 'images.yaml'], {
    cwd: origin,
  });
  log(`  ${first.seconds.toFixed(1)} s`);
  removeLocalImages(env, images);

  const subject = () => {
    const run = inCleanClone(['build', '--json']);
    const events = buildEvents(run.stdout);
    const skipped = events.filter((event) => event.type === 'skipped' && event.reason === 'exists');
    if (skipped.length !== APPS + 1 || events.some((event) => event.type === 'building')) {
      throw new Error(`expected all ${APPS + 1} images skipped: ${run.stdout.slice(-2000)}`);
    }
    return run.seconds;
  };
  const baseline = () => {
    const run = inCleanClone(['tag']);
    if (run.stdout.trim().split('\n').length !== APPS + 1) throw new Error(`expected ${APPS + 1} tags: ${run.stdout}`);
    return run.seconds;
  };
  subject();
  baseline();
  const a = [];
  const b = [];
  for (let i = 0; i < runs; i++) {
    a.push(subject());
    b.push(baseline());
  }
  console.log(
    JSON.stringify({
      bench: 'fresh-runner',
      subject: `imagespec build in a clean clone, all ${APPS + 1} images in the registry (skipped)`,
      baseline: 'imagespec tag, same specs, clean clone',
      subject_median_s: round(median(a)),
      baseline_median_s: round(median(b)),
      ratio: round(median(a) / median(b), 3),
      runs,
      target_subject_s: 1,
      target_ratio: 1.5,
    }),
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
