#!/usr/bin/env node
// Bench cli-startup: `imagespec --version` and `imagespec tag <example>` against `node -e 0`
// in the same run (alternated after a warm-up, medians). Target: within 2x of node -e 0.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = `${root}packages/cli/dist/cli.js`;
const example = `${root}examples/hello/imagespec.yaml`;
const runs = Number(process.env.BENCH_RUNS ?? 15);

if (!existsSync(cli)) {
  console.error(`${cli} is missing: run \`npm run build\` first.`);
  process.exit(1);
}

function time(args) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${result.stderr}`);
  return seconds;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const baselineArgs = ['-e', '0'];
const subjects = [
  { name: 'imagespec --version', args: [cli, '--version'] },
  ...(existsSync(example) ? [{ name: 'imagespec tag examples/hello', args: [cli, 'tag', example] }] : []),
];

for (const subject of subjects) {
  time(baselineArgs);
  time(subject.args);
  const a = [];
  const b = [];
  for (let i = 0; i < runs; i++) {
    a.push(time(subject.args));
    b.push(time(baselineArgs));
  }
  const subjectMedian = median(a);
  const baselineMedian = median(b);
  console.log(
    JSON.stringify({
      bench: 'cli-startup',
      subject: subject.name,
      baseline: 'node -e 0',
      subject_median_s: Number(subjectMedian.toFixed(4)),
      baseline_median_s: Number(baselineMedian.toFixed(4)),
      ratio: Number((subjectMedian / baselineMedian).toFixed(3)),
      runs,
      target_ratio: 2,
    }),
  );
}
