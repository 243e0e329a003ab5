#!/usr/bin/env node
// Bench context-rss: streams a seeded 1 GB context (bench/lib/tree.mjs) through
// createContextStream into a counting sink, in a child process, plain and gzipped, against
// GNU tar writing the same tree into `wc -c` (gzipped: `| gzip -1`, the level the context uses). Reports the child's peak RSS (target: under
// 150 MB, i.e. memory does not grow with the context) and throughput. Also the tar checked
// against the identity computed first (hashing included, as a build does) and the BuildKit
// file sync's entries (contextSyncEntries, every file read verified). Warm cache: this
// measures memory and the writer's own speed, not the disk.
import { ensureCoreBuilt, median, REPO, round, timeProcess } from './lib/common.mjs';
import { ensureTree } from './lib/tree.mjs';

const runs = Number(process.env.BENCH_RUNS ?? 5);
// A gzipped run of 1 GB takes ~30 s here: fewer of them unless asked.
const gzipRuns = Number(process.env.BENCH_GZIP_RUNS ?? process.env.BENCH_RUNS ?? 3);
await ensureCoreBuilt(['createContextStream', 'normalizeSpec']);
const GB = 1024 ** 3;
const dir = await ensureTree({
  files: 2_000,
  bytes: GB,
  maxFile: 64 * 1024 * 1024,
  seed: 2,
  log: (line) => console.error(`context-rss: ${line}`),
});

let tarBytes;
const SUBJECTS = {
  tar: 'node: createContextStream(spec with a 1 GB sourceRoot) -> counting sink',
  gzip: 'node: createContextStream(spec with a 1 GB sourceRoot, { gzip: true }) -> counting sink',
  verified: 'node: computeImageIdentity, then createContextStream(..., { expected }) -> counting sink',
  sync: 'node: computeImageIdentity, then contextSyncEntries (BuildKit file sync) reading every file verified',
};
for (const mode of ['tar', 'gzip', 'verified', 'sync']) {
  const gzip = mode === 'gzip';
  const subject = () => {
    const { seconds, stdout } = timeProcess([process.execPath, `${REPO}bench/lib/context-rss-child.mjs`, dir, mode]);
    return { seconds, ...JSON.parse(stdout) };
  };
  const pipe = gzip ? 'gzip -1 | wc -c' : 'wc -c';
  const baseline = () => timeProcess(['sh', '-c', `tar -cf - "$1" 2>/dev/null | ${pipe}`, 'sh', dir]);
  const n = gzip ? gzipRuns : runs;
  subject();
  baseline();
  const a = [];
  const b = [];
  for (let i = 0; i < n; i++) {
    a.push(subject());
    b.push(baseline().seconds);
  }
  const subjectMedian = median(a.map((run) => run.seconds));
  const baselineMedian = median(b);
  const peak = Math.max(...a.map((run) => run.max_rss_mb));
  if (mode === 'tar') tarBytes = a[0].bytes;
  console.log(
    JSON.stringify({
      bench: 'context-rss',
      subject: SUBJECTS[mode],
      baseline: `tar -cf - DIR | ${pipe}`,
      subject_median_s: round(subjectMedian),
      baseline_median_s: round(baselineMedian),
      ratio: round(subjectMedian / baselineMedian, 3),
      runs: n,
      peak_rss_mb: round(peak, 1),
      median_peak_rss_mb: round(median(a.map((run) => run.max_rss_mb)), 1),
      target_peak_rss_mb: 150,
      output_bytes: a[0].bytes,
      // Of the uncompressed tar, so plain and gzip compare.
      throughput_mb_s: round(tarBytes / 1024 / 1024 / median(a.map((run) => run.seconds)), 1),
      tree: { files: 2_000, bytes: GB, path: dir },
    }),
  );
}
