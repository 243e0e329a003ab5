#!/usr/bin/env node
// Bench oci-rebuild: a rebuild and push after a one-file source change, without a daemon.
// Two modes (BENCH_MODES, comma-separated, default both), one JSON line each, on the
// docker-rebuild bench's project (sourceRoot = a seeded 1,000-file / 10 MB tree, python base,
// workdir /app):
//   files  a spec with no RUN, builder-oci alone: it hashes, writes the source layer and
//          uploads it and the config (the base's layers are found by HEAD).
//   split  the docker-rebuild spec itself (four heavy packages from a local pip index, then
//          the source), builder-oci and builder-docker configured: built in two parts, the
//          package part by docker (made in the warm-up, then found in the registry) and the
//          source layer appended by builder-oci, so a rebuild runs nothing on the daemon
//          (checked from the --json events). The targets are for this mode: at most
//          0.1x the naive build, at most 2x the floor.
// Baseline: `docker build` (classic builder, the docker CLI's default here) of a naive
// Dockerfile of the same image (FROM, WORKDIR, COPY . /app, and for split the same pip
// install after the COPY, as docker-rebuild's), then `docker push`; reported with and
// without the push. Floor, in the same run, as #14 defines it: tag plus upload of the one
// changed layer, i.e. `imagespec tag` of the edited project (process start, hashing) plus,
// in-process with core's registry client, one fresh blob of the changed layer's size (the
// source's shard the edit falls in)
// uploaded and a manifest put under a tag (`upload_median_s`). One file changed before
// every subject and baseline build, alternated after a warm-up, medians. Needs the built packages (`npm run build`, builder-oci included)
// and the test environment.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CLI_DIST,
  importRepoTs,
  median,
  REPO,
  requireDockerBenchBuilt,
  round,
  timeProcessAsync,
} from './lib/common.mjs';
import { heavyWheels, naivePipDockerfile } from './lib/heavy-wheels.mjs';
import { registryFloor } from './lib/registry-floor.mjs';
import { BENCH_DIR, ensureTree } from './lib/tree.mjs';

const runs = Number(process.env.BENCH_RUNS ?? 5);
const OCI_DIST = `${REPO}packages/builder-oci/dist/index.js`;
requireDockerBenchBuilt('oci-rebuild');
if (!existsSync(OCI_DIST)) {
  console.error('oci-rebuild: builder-oci is not built: run `npm run build` first.');
  process.exit(1);
}
const log = (line) => console.error(`oci-rebuild: ${line}`);

const { ensureTestEnvironment } = await importRepoTs('test-env/src/environment.ts');
const { startPipIndex } = await importRepoTs('test-env/src/pip-index.ts');
const { env, stop } = await ensureTestEnvironment(log);
await stop();

const modes = (process.env.BENCH_MODES ?? 'files,split').split(',');
for (const mode of modes) {
  if (mode !== 'files' && mode !== 'split') throw new Error(`BENCH_MODES: unknown mode ${mode} (files, split)`);
}
const files = 1_000;
const bytes = 10 * 1024 * 1024;
const tree = await ensureTree({ files, bytes, seed: 2, log });
const repository = `${env.registry.host}/imagespec-bench`;
const docker = (...args) => ['docker', '-H', `unix://${env.dockerSocket}`, ...args];
// Unique per bench run: the registry keeps earlier runs' images, which a repeated edit would find.
const nonce = randomBytes(4).toString('hex');
const index = modes.includes('split') ? await startPipIndex(heavyWheels()) : undefined;
try {
  for (const mode of modes) await bench(mode);
} finally {
  await index?.stop();
}

async function bench(mode) {
  const split = mode === 'split';
  const name = split ? 'oci-rebuild-split' : 'oci-rebuild';
  const work = join(BENCH_DIR, name);
  const project = join(work, 'project');
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  await timeProcessAsync(['cp', '-r', tree, project]);
  const changed = join(project, 'imagespec_bench_changed.py');
  let edits = 0;
  const changeOneFile = () => {
    edits += 1;
    // Per run and per mode: both modes' projects are copies of one tree, and the same edit in
    // both would let the split's naive build find its COPY step in the engine's cache.
    return appendFile(changed, `VALUE_${nonce}_${mode}_${edits} = ${edits}\n`);
  };
  await changeOneFile();

  const packages = index ? Object.keys(index.packages).sort() : [];
  await writeFile(
    join(work, 'imagespec.yaml'),
    [
      `name: ${name}`,
      `registry: ${repository}`,
      `baseImage: ${env.baseImages.python}`,
      ...(split ? [`pipIndex: ${index.url}`, `packages: [${packages.join(', ')}]`] : []),
      `sourceRoot: ${project}`,
      'workdir: /app',
      '',
    ].join('\n'),
  );
  await writeFile(
    join(work, 'imagespec.config.yaml'),
    `builders:\n  - ${OCI_DIST}\n${split ? "  - ['@imagespec/builder-docker', { network: host }]\n" : ''}`,
  );
  await writeFile(
    join(project, 'Dockerfile.naive'),
    split
      ? naivePipDockerfile(env.baseImages.python, index.url, packages)
      : [`FROM ${env.baseImages.python}`, 'WORKDIR /app', 'COPY . /app', ''].join('\n'),
  );
  await writeFile(join(project, '.dockerignore'), 'Dockerfile.naive\n');

  let lastImage;
  let peakRssKb = 0;
  const subject = async () => {
    await changeOneFile();
    const run = await timeProcessAsync(
      ['/usr/bin/time', '-f', 'maxrss_kb=%M', process.execPath, CLI_DIST, 'build', '--json', 'imagespec.yaml'],
      { cwd: work },
    );
    peakRssKb = Math.max(peakRssKb, Number(/maxrss_kb=(\d+)/.exec(run.stderr)?.[1] ?? 0));
    const lines = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    // Only builder-oci may build: a daemon build (split: the package part) would not be a daemonless rebuild.
    const building = lines.filter((event) => event.type === 'building').map((event) => event.builder);
    const image = lines.at(-1).images?.[0];
    if (image?.status !== 'pushed' || building.join() !== 'oci') {
      throw new Error(`not a daemonless rebuild (built by: ${building.join(', ')}):\n${run.stdout.slice(-3000)}`);
    }
    lastImage = image.image;
    return run.seconds;
  };
  const naiveImage = `${repository}/${name}-naive:latest`;
  const baseline = async () => {
    await changeOneFile();
    const build = await timeProcessAsync(
      docker('build', '-q', '--network', 'host', '-f', join(project, 'Dockerfile.naive'), '-t', naiveImage, project),
      { env: { ...process.env, DOCKER_BUILDKIT: '0' } },
    );
    const push = await timeProcessAsync(docker('push', naiveImage));
    return { build: build.seconds, withPush: build.seconds + push.seconds };
  };

  log(`${mode}: warm-up${split ? ' (the first build makes the package part with docker)' : ''}`);
  await timeProcessAsync([process.execPath, CLI_DIST, 'build', 'imagespec.yaml'], { cwd: work });
  await baseline();
  await subject();
  const previous = lastImage;
  await subject();
  const floor = await registryFloor(lastImage, previous, `${repository}/${name}-floor`, `t${nonce}`);
  await floor.measure();
  // What hashing alone costs, process start included: `imagespec tag` of the edited project.
  const tag = async () => {
    await changeOneFile();
    return (await timeProcessAsync([process.execPath, CLI_DIST, 'tag', 'imagespec.yaml'], { cwd: work })).seconds;
  };
  const a = [];
  const b = [];
  const bp = [];
  const c = [];
  const t = [];
  for (let i = 0; i < runs; i++) {
    a.push(await subject());
    const naive = await baseline();
    b.push(naive.build);
    bp.push(naive.withPush);
    c.push(await floor.measure());
    t.push(await tag());
  }
  const subjectMedian = median(a);
  console.log(
    JSON.stringify({
      bench: 'oci-rebuild',
      mode,
      subject: split
        ? 'imagespec build (push) after a one-file change of a spec with packages and source: package part found in the registry, source layer appended by builder-oci'
        : 'imagespec build (builder-oci, push) after a one-file change of a spec with no RUN',
      baseline: `docker build (classic) of a naive Dockerfile (FROM, WORKDIR, COPY . /app${split ? ', then pip install' : ''}) + docker push, after a one-file change`,
      subject_median_s: round(subjectMedian),
      baseline_median_s: round(median(bp)),
      ratio: round(subjectMedian / median(bp), 3),
      baseline_build_only_median_s: round(median(b)),
      ratio_to_build_only: round(subjectMedian / median(b), 3),
      floor:
        '`imagespec tag` of the edited project + upload of one fresh blob the size of the changed layer (the shard of the source holding the edited file) and a manifest PUT under a tag (core registry client, in-process)',
      floor_median_s: round(median(t) + median(c)),
      ratio_to_floor: round(subjectMedian / (median(t) + median(c)), 3),
      tag_median_s: round(median(t)),
      upload_median_s: round(median(c)),
      ratio_to_upload: round(subjectMedian / median(c), 3),
      changed_layer_bytes: floor.layerBytes,
      image_layers: floor.layers,
      subject_peak_rss_mb: round(peakRssKb / 1024, 1),
      runs,
      tree: { files, bytes },
      ...(split && { packages }),
      target_ratio: 0.1,
      target_ratio_to_floor: 2,
      ...(split && {
        met: { ratio: subjectMedian / median(bp) <= 0.1, ratio_to_floor: subjectMedian / (median(t) + median(c)) <= 2 },
      }),
      ...(!split && { targets_apply_to: 'mode split (a spec with packages and source); this spec has no packages' }),
    }),
  );
}
