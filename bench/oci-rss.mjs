#!/usr/bin/env node
// Bench oci-rss: builder-oci building and pushing an image whose source layer is the seeded
// 1 GB tree of context-rss (2,000 files up to 64 MB), through the CLI, to the test
// registry on loopback. The floor (#14): the layer is streamed, never held whole,
// so the build's peak RSS stays under 150 MB however large the source. Reported: the CLI
// process's peak RSS (/usr/bin/time %M) and wall time, against `tar -cf - DIR | gzip -1 |
// wc -c` (the same bytes tarred and compressed, nothing uploaded) in the same run.
// Each build has a new tag (a label changes) and IMAGESPEC_NO_CACHE=1, so every run writes
// and compresses the whole layer; the registry already has it after the first, which then
// uploads 1 GB. Needs the built packages and the test environment.
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CLI_DIST, importRepoTs, median, REPO, round, timeProcessAsync } from './lib/common.mjs';
import { BENCH_DIR, ensureTree } from './lib/tree.mjs';

const runs = Number(process.env.BENCH_RUNS ?? 3);
const OCI_DIST = `${REPO}packages/builder-oci/dist/index.js`;
if (!existsSync(CLI_DIST) || !existsSync(OCI_DIST)) {
  console.error('oci-rss: the CLI or builder-oci is not built: run `npm run build` first.');
  process.exit(1);
}
const log = (line) => console.error(`oci-rss: ${line}`);
const GB = 1024 ** 3;
const tree = await ensureTree({ files: 2_000, bytes: GB, maxFile: 64 * 1024 * 1024, seed: 2, log });

const { ensureTestEnvironment } = await importRepoTs('test-env/src/environment.ts');
const { env, stop } = await ensureTestEnvironment(log);
await stop();

const work = join(BENCH_DIR, 'oci-rss');
await rm(work, { recursive: true, force: true });
await mkdir(work, { recursive: true });
await writeFile(join(work, 'imagespec.config.yaml'), `builders:\n  - ${OCI_DIST}\n`);
let builds = 0;
const subject = async () => {
  builds += 1;
  await writeFile(
    join(work, 'imagespec.yaml'),
    [
      'name: oci-rss',
      `registry: ${env.registry.host}/imagespec-bench`,
      `baseImage: ${env.baseImages.busybox}`,
      `sourceRoot: ${tree}`,
      'workdir: /app',
      'labels:',
      `  run: "${Date.now()}-${builds}"`,
      '',
    ].join('\n'),
  );
  const run = await timeProcessAsync(
    ['/usr/bin/time', '-f', 'maxrss_kb=%M', process.execPath, CLI_DIST, 'build', '--json', 'imagespec.yaml'],
    { cwd: work, env: { ...process.env, IMAGESPEC_NO_CACHE: '1' } },
  );
  const summary = JSON.parse(run.stdout.trim().split('\n').at(-1));
  const image = summary.images?.[0];
  if (image?.status !== 'pushed' || image.builder !== 'oci') {
    throw new Error(`expected a push by builder-oci:\n${run.stdout.slice(-2000)}`);
  }
  return { seconds: run.seconds, rssMb: Number(/maxrss_kb=(\d+)/.exec(run.stderr)?.[1] ?? 0) / 1024 };
};
const baseline = async () =>
  (await timeProcessAsync(['sh', '-c', 'tar -cf - "$1" 2>/dev/null | gzip -1 | wc -c', 'sh', tree])).seconds;

try {
  log('warm-up (the first build uploads the 1 GB layer)');
  const first = await subject();
  await baseline();
  const a = [first];
  const b = [];
  for (let i = 0; i < runs; i++) {
    a.push(await subject());
    b.push(await baseline());
  }
  const peak = Math.max(...a.map((run) => run.rssMb));
  console.log(
    JSON.stringify({
      bench: 'oci-rss',
      subject: 'imagespec build --json (builder-oci, push, IMAGESPEC_NO_CACHE=1) of a spec whose sourceRoot is 1 GB',
      baseline: 'tar -cf - DIR | gzip -1 | wc -c',
      subject_median_s: round(median(a.slice(1).map((run) => run.seconds))),
      first_build_with_upload_s: round(first.seconds),
      baseline_median_s: round(median(b)),
      ratio: round(median(a.slice(1).map((run) => run.seconds)) / median(b), 3),
      peak_rss_mb: round(peak, 1),
      peak_rss_target_mb: 150,
      met: peak < 150,
      runs,
      tree: { files: 2_000, bytes: GB },
    }),
  );
} finally {
  await rm(work, { recursive: true, force: true });
}
