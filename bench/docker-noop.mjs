#!/usr/bin/env node
// Bench docker-noop: a no-op build of an image that already exists. Subject: `imagespec build`
// of a spec whose sourceRoot is the seeded 10,000-file / 100 MB tree (bench/lib/tree.mjs),
// whose tag is in the registry (hash the tree, one registry HEAD, skip). Baseline: `docker
// build` of the same rendered Dockerfile (plain dialect) and the same context with a warm
// cache, which re-sends and re-checks the whole context. Same engine, same run, alternated
// after a warm-up, medians. Target (issue #3): at most 0.5x docker's time.
// Needs the built packages (`npm run build`) and the test environment (test-env/: engine,
// registry on 127.0.0.1:5000, base images), which it brings up like the quick start does.
import { spawnSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CLI_DIST, importRepoTs, median, requireDockerBenchBuilt, round, timeProcess } from './lib/common.mjs';
import { BENCH_DIR, ensureTree } from './lib/tree.mjs';

const runs = Number(process.env.BENCH_RUNS ?? 5);
const cli = CLI_DIST;
requireDockerBenchBuilt('docker-noop');
const log = (line) => console.error(`docker-noop: ${line}`);
const { ensureTestEnvironment } = await importRepoTs('test-env/src/environment.ts');
const { env, stop } = await ensureTestEnvironment(log);
await stop();
const docker = ['docker', '-H', `unix://${env.dockerSocket}`];
const tree = await ensureTree({ log });

// The spec, beside its config (docker builder, classic like the baseline, network host).
const work = join(BENCH_DIR, 'docker-noop');
await mkdir(work, { recursive: true });
await writeFile(
  join(work, 'imagespec.yaml'),
  [
    'name: docker-noop',
    `registry: ${env.registry.host}/imagespec-bench`,
    `baseImage: ${env.baseImages.busybox}`,
    `sourceRoot: ${tree}`,
    'workdir: /app',
    '',
  ].join('\n'),
);
await writeFile(
  join(work, 'imagespec.config.yaml'),
  "builders:\n  - ['@imagespec/builder-docker', { network: host, buildkit: false }]\n",
);
const imagespec = (...args) => [process.execPath, cli, ...args];

// The baseline's context: the same Dockerfile, the tree where imagespec's context puts it
// (hard links: no copy of the bytes).
const context = join(work, 'docker-context');
await rm(context, { recursive: true, force: true });
await mkdir(join(context, '_imagespec'), { recursive: true });
spawnSync('cp', ['-al', tree, join(context, '_imagespec', 'source')], { stdio: 'inherit' });
const dockerfile = timeProcess(imagespec('dockerfile', '--dialect', 'plain', 'imagespec.yaml'), { cwd: work }).stdout;
await writeFile(join(context, 'Dockerfile'), dockerfile);
const dockerEnv = { ...process.env, DOCKER_BUILDKIT: '0' };

const subject = () => {
  const run = timeProcess(imagespec('build', '--json', 'imagespec.yaml'), { cwd: work });
  if (!run.stdout.includes('"reason":"exists"')) throw new Error(`expected a skip, got: ${run.stdout.slice(-500)}`);
  return run.seconds;
};
const baseline = () =>
  timeProcess([...docker, 'build', '-q', '--network', 'host', '-t', 'imagespec-bench/docker-noop:baseline', context], {
    env: dockerEnv,
  }).seconds;

log('warm-up: the first imagespec build pushes the image; the first docker build fills its cache');
const first = spawnSync(imagespec('build', 'imagespec.yaml')[0], imagespec('build', 'imagespec.yaml').slice(1), {
  cwd: work,
  encoding: 'utf8',
});
if (first.status !== 0)
  throw new Error(
    `the first imagespec build failed (exit ${first.status}):\n${first.stdout.slice(-3000)}${first.stderr}`,
  );
baseline();
subject();
const a = [];
const b = [];
for (let i = 0; i < runs; i++) {
  a.push(subject());
  b.push(baseline());
}
const subjectMedian = median(a);
const baselineMedian = median(b);
console.log(
  JSON.stringify({
    bench: 'docker-noop',
    subject: 'imagespec build (tag exists: skipped)',
    baseline: 'docker build, same rendered Dockerfile and context, warm cache (classic builder)',
    subject_median_s: round(subjectMedian),
    baseline_median_s: round(baselineMedian),
    ratio: round(subjectMedian / baselineMedian, 3),
    runs,
    tree: { files: 10_000, bytes: 100 * 1024 * 1024, path: tree },
    target_ratio: 0.5,
  }),
);
