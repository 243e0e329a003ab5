#!/usr/bin/env node
// Bench hash-tree: computing the tag of a spec whose sourceRoot is the seeded 10,000-file /
// 100 MB tree (bench/lib/tree.mjs), as a whole `node` process using the built core, against
// `tar -cf - DIR | sha256sum` in the same run. Cold: the page, dentry and inode caches are
// dropped before every run of either (root only; otherwise the line says "cache": "warm").
// Then the same warm. Target (issue): cold no slower than 1.5x the baseline.
import { dropCaches, ensureCoreBuilt, importCore, median, REPO, round, timeProcess } from './lib/common.mjs';
import { ensureTree } from './lib/tree.mjs';

const runs = Number(process.env.BENCH_RUNS ?? 5);
await ensureCoreBuilt(['digestTree']);
const core = await importCore();
const mode = 'computeImageIdentity' in core && 'normalizeSpec' in core ? 'identity' : 'digestTree';
const dir = await ensureTree({ log: (line) => console.error(`hash-tree: ${line}`) });

const subject = () => timeProcess([process.execPath, `${REPO}bench/lib/hash-tree-subject.mjs`, dir, mode]);
const baseline = () => timeProcess(['sh', '-c', 'tar -cf - "$1" 2>/dev/null | sha256sum', 'sh', dir]);

for (const cache of ['cold', 'warm']) {
  const prepare = cache === 'cold' ? dropCaches : () => true;
  const dropped = prepare();
  subject();
  baseline();
  const a = [];
  const b = [];
  const inProcess = [];
  for (let i = 0; i < runs; i++) {
    prepare();
    const s = subject();
    a.push(s.seconds);
    inProcess.push(JSON.parse(s.stdout).in_process_s);
    prepare();
    b.push(baseline().seconds);
  }
  const subjectMedian = median(a);
  const baselineMedian = median(b);
  console.log(
    JSON.stringify({
      bench: 'hash-tree',
      subject: mode === 'identity' ? 'node: computeImageIdentity(spec with sourceRoot=tree)' : 'node: digestTree(tree)',
      baseline: 'tar -cf - DIR | sha256sum',
      subject_median_s: round(subjectMedian),
      baseline_median_s: round(baselineMedian),
      ratio: round(subjectMedian / baselineMedian, 3),
      runs,
      cache: dropped ? cache : 'warm',
      subject_in_process_median_s: round(median(inProcess)),
      tree: { files: 10_000, bytes: 100 * 1024 * 1024, path: dir },
      target_ratio: 1.5,
    }),
  );
}
