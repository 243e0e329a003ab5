#!/usr/bin/env node
// Bench oci-rebuild: a rebuild and push after a one-file source change, daemonless. Subject:
// `imagespec build` with @imagespec/builder-oci of a spec with no RUN (python base,
// sourceRoot = the seeded 1,000-file / 10 MB project of docker-rebuild, workdir): it hashes,
// writes the source layer, and uploads that layer and the config (the base's layer is
// found by HEAD). Baseline: `docker build` (classic builder, the docker CLI's default here)
// of the same image from a naive Dockerfile (FROM, WORKDIR, COPY . /app), then `docker push`.
// Floor, measured in the same run: what any tool must do at least, in-process with core's
// registry client: upload one fresh blob of the source layer's size and put a manifest under
// a tag. One file changed before every subject and baseline build, alternated after a
// warm-up, medians. The targets (0.1x the naive build, 2x the floor) are for the
// spec that also installs packages (the split build, not done yet); this spec needs none.
// Needs the built packages (`npm run build`, builder-oci included) and the test environment.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  CLI_DIST,
  CORE_DIST,
  importRepoTs,
  median,
  REPO,
  requireDockerBenchBuilt,
  round,
  timeProcessAsync,
} from './lib/common.mjs';
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
const { env, stop } = await ensureTestEnvironment(log);
await stop();
const core = await import(CORE_DIST);

const files = 1_000;
const bytes = 10 * 1024 * 1024;
const tree = await ensureTree({ files, bytes, seed: 2, log });
const work = join(BENCH_DIR, 'oci-rebuild');
const project = join(work, 'project');
await rm(work, { recursive: true, force: true });
await mkdir(work, { recursive: true });
await timeProcessAsync(['cp', '-r', tree, project]);
const changed = join(project, 'imagespec_bench_changed.py');
let edits = 0;
// Unique per bench run: the registry keeps earlier runs' images, which a repeated edit would find.
const nonce = randomBytes(4).toString('hex');
const changeOneFile = () => {
  edits += 1;
  return appendFile(changed, `VALUE_${nonce}_${edits} = ${edits}\n`);
};
await changeOneFile();

const repository = `${env.registry.host}/imagespec-bench`;
await writeFile(
  join(work, 'imagespec.yaml'),
  [
    'name: oci-rebuild',
    `registry: ${repository}`,
    `baseImage: ${env.baseImages.python}`,
    `sourceRoot: ${project}`,
    'workdir: /app',
    '',
  ].join('\n'),
);
await writeFile(join(work, 'imagespec.config.yaml'), `builders:\n  - ${OCI_DIST}\n`);
await writeFile(
  join(project, 'Dockerfile.naive'),
  [`FROM ${env.baseImages.python}`, 'WORKDIR /app', 'COPY . /app', ''].join('\n'),
);
await writeFile(join(project, '.dockerignore'), 'Dockerfile.naive\n');

let lastSummary;
let peakRssKb = 0;
const subject = async () => {
  await changeOneFile();
  const run = await timeProcessAsync(
    ['/usr/bin/time', '-f', 'maxrss_kb=%M', process.execPath, CLI_DIST, 'build', '--json', 'imagespec.yaml'],
    {
      cwd: work,
    },
  );
  peakRssKb = Math.max(peakRssKb, Number(/maxrss_kb=(\d+)/.exec(run.stderr)?.[1] ?? 0));
  const summary = JSON.parse(run.stdout.trim().split('\n').pop());
  const image = summary.images?.[0];
  if (image?.status !== 'pushed' || image.builder !== 'oci') throw new Error(`not pushed by oci:\n${run.stdout}`);
  lastSummary = image;
  return run.seconds;
};
const naiveImage = `${repository}/oci-rebuild-naive:latest`;
const docker = (...args) => ['docker', '-H', `unix://${env.dockerSocket}`, ...args];
const baseline = async () => {
  await changeOneFile();
  const build = await timeProcessAsync(
    docker('build', '-q', '--network', 'host', '-f', join(project, 'Dockerfile.naive'), '-t', naiveImage, project),
    { env: { ...process.env, DOCKER_BUILDKIT: '0' } },
  );
  const push = await timeProcessAsync(docker('push', naiveImage));
  return build.seconds + push.seconds;
};

/** The source layer's size, from the last image the subject pushed. */
async function sourceLayerSize() {
  const client = core.createRegistryBlobClient({ access: core.createRegistryAccess({ env: {} }) });
  const manifest = await client.getManifest(lastSummary.image);
  const layers = JSON.parse(Buffer.from(manifest.body).toString('utf8')).layers;
  return { client, size: layers.at(-1).size, manifest };
}
const floor = async ({ client, size, manifest }) => {
  const started = process.hrtime.bigint();
  const blob = randomBytes(size);
  const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
  await client.pushBlob(`${repository}/oci-rebuild-floor`, { digest, size, open: () => Readable.from([blob]) });
  await client.putManifest(`${repository}/oci-rebuild-floor:t${nonce}-${edits}`, manifest).catch(() => undefined);
  return Number(process.hrtime.bigint() - started) / 1e9;
};

log('warm-up');
await timeProcessAsync([process.execPath, CLI_DIST, 'build', 'imagespec.yaml'], { cwd: work });
await baseline();
await subject();
const layer = await sourceLayerSize();
await floor(layer);
const a = [];
const b = [];
const c = [];
for (let i = 0; i < runs; i++) {
  a.push(await subject());
  b.push(await baseline());
  c.push(await floor(layer));
}
const subjectMedian = median(a);
const baselineMedian = median(b);
const floorMedian = median(c);
console.log(
  JSON.stringify({
    bench: 'oci-rebuild',
    subject: 'imagespec build (builder-oci, push) after a one-file change of a spec with no RUN',
    baseline:
      'docker build (classic) of a naive Dockerfile (FROM, WORKDIR, COPY . /app) + docker push, after a one-file change',
    subject_median_s: round(subjectMedian),
    baseline_median_s: round(baselineMedian),
    ratio: round(subjectMedian / baselineMedian, 3),
    floor:
      'upload of one fresh blob the size of the source layer + a manifest PUT under a tag (core registry client, in-process)',
    floor_median_s: round(floorMedian),
    ratio_to_floor: round(subjectMedian / floorMedian, 3),
    source_layer_bytes: layer.size,
    subject_peak_rss_mb: round(peakRssKb / 1024, 1),
    runs,
    tree: { files, bytes },
    target_ratio: 0.1,
    target_ratio_to_floor: 2,
    targets_apply_to: 'the split build of a spec with packages and source (not done); this spec has no packages',
  }),
);
