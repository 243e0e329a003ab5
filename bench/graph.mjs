#!/usr/bin/env node
// Bench graph: 20 specs that share one base spec, each with its own small command, built by
// `imagespec build` in one run (real engine, loopback registry, fresh images every run),
// against the longest single chain built alone (the base and one app, also fresh) in the
// same run, alternated, medians. Checked from the --json events: the base is built once
// and every image is pushed. Target (issue 15): at most 1.3x the chain. BENCH_CONCURRENCY
// sets --concurrency (default: the CLI's). session_fallbacks counts the builds whose BuildKit
// session the engine lost (built again with a tar context), over all runs.
// Needs the built packages (`npm run build`) and the test environment (test-env/).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_DIST, importRepoTs, median, requireDockerBenchBuilt, round, timeProcess } from './lib/common.mjs';
import { buildEvents, removeLocalImages, writeGraphProject } from './lib/graph-project.mjs';

const runs = Number(process.env.BENCH_RUNS ?? 2);
const concurrency = process.env.BENCH_CONCURRENCY;
const APPS = 20;
requireDockerBenchBuilt('graph');
const log = (line) => console.error(`graph: ${line}`);
const { ensureTestEnvironment } = await importRepoTs('test-env/src/environment.ts');
const { env, stop } = await ensureTestEnvironment(log);
await stop();

const work = await mkdtemp(join(tmpdir(), 'imagespec-bench-graph-'));
const built = [];
let run = 0;
let sessionFallbacks = 0;
/** Builds a fresh project of `apps` apps; checks the events; returns the wall time. */
async function buildFresh(apps) {
  const id = `${Date.now().toString(36)}${(run++).toString(36)}`;
  const dir = join(work, id);
  const { specFile, images } = await writeGraphProject(dir, { env, id, apps });
  built.push(...images);
  const args = [process.execPath, CLI_DIST, 'build', '--json', ...(concurrency ? ['-j', concurrency] : []), specFile];
  const result = timeProcess(args, { cwd: dir, env: { ...process.env, IMAGESPEC_NO_CACHE: '1' } });
  const events = buildEvents(result.stdout);
  const building = events.filter((event) => event.type === 'building');
  const pushed = events.filter((event) => event.type === 'pushed');
  sessionFallbacks += events.filter(
    (event) => event.type === 'log' && event.line?.includes("lost this build's session"),
  ).length;
  const baseBuilds = building.filter((event) => event.image.includes(`/graph-base-${id}:`));
  if (baseBuilds.length !== 1 || building.length !== apps + 1 || pushed.length !== apps + 1) {
    throw new Error(`expected the base built once and ${apps + 1} images pushed: ${result.stdout.slice(-2000)}`);
  }
  return result.seconds;
}

try {
  log(`a warm-up and ${runs} runs of each, alternated (fresh images every time)`);
  await buildFresh(APPS);
  await buildFresh(1);
  const graph = [];
  const chain = [];
  for (let i = 0; i < runs; i++) {
    graph.push(await buildFresh(APPS));
    chain.push(await buildFresh(1));
  }
  const subject = median(graph);
  const baseline = median(chain);
  console.log(
    JSON.stringify({
      bench: 'graph',
      subject: `imagespec build: 1 base spec + ${APPS} apps on it${concurrency ? ` (-j ${concurrency})` : ''}`,
      baseline: 'imagespec build: the longest chain alone (base + 1 app)',
      subject_median_s: round(subject),
      baseline_median_s: round(baseline),
      ratio: round(subject / baseline, 3),
      runs,
      base_builds_per_run: 1,
      session_fallbacks: sessionFallbacks,
      target_ratio: 1.3,
    }),
  );
} finally {
  removeLocalImages(env, built);
  await rm(work, { recursive: true, force: true });
}
