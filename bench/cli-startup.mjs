#!/usr/bin/env node
// Bench cli-startup: `imagespec --version` and `imagespec tag <example>` against `node -e 0`
// in the same run (alternated after a warm-up, medians). Targets (#15): `tag` at most 1.5x
// node -e 0 cold and 1.3x warm; `--version` is reported against the same numbers.
// The bin runs its bundle from a V8 code cache (packages/cli/src/code-cache.ts), so each
// subject is measured twice: "warm", the cache written by the warm-up run as any second run
// finds it, and "cold", with IMAGESPEC_CODE_CACHE=0, as a first run after install (or a
// fresh CI machine) pays.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, round } from './lib/common.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
// The committed bin, as npm links it: it loads dist/cli.js.
const cli = `${root}packages/cli/bin/imagespec.js`;
const built = `${root}packages/cli/dist/cli.js`;
const example = `${root}examples/hello/imagespec.yaml`;
const runs = Number(process.env.BENCH_RUNS ?? 15);

if (!existsSync(built)) {
  console.error(`${built} is missing: run \`npm run build\` first.`);
  process.exit(1);
}

const cacheDir = mkdtempSync(join(tmpdir(), 'imagespec-bench-code-cache-'));

function time(args, env) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', env: { ...process.env, ...env } });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${result.stderr}`);
  return seconds;
}

const baselineArgs = ['-e', '0'];
const commands = [
  { name: 'imagespec --version', args: [cli, '--version'] },
  ...(existsSync(example) ? [{ name: 'imagespec tag examples/hello', args: [cli, 'tag', example] }] : []),
];
const TARGETS = { warm: 1.3, cold: 1.5 };
const caches = [
  { cache: 'warm', env: { IMAGESPEC_CODE_CACHE_DIR: cacheDir } },
  { cache: 'cold', env: { IMAGESPEC_CODE_CACHE: '0' } },
];

try {
  for (const command of commands) {
    for (const { cache, env } of caches) {
      time(baselineArgs);
      time(command.args, env);
      if (cache === 'warm' && readdirSync(cacheDir).length === 0) {
        throw new Error(`the warm-up run of ${command.name} wrote no code cache to ${cacheDir}`);
      }
      const a = [];
      const b = [];
      for (let i = 0; i < runs; i++) {
        a.push(time(command.args, env));
        b.push(time(baselineArgs));
      }
      const subjectMedian = median(a);
      const baselineMedian = median(b);
      console.log(
        JSON.stringify({
          bench: 'cli-startup',
          subject: command.name,
          code_cache: cache,
          baseline: 'node -e 0',
          subject_median_s: round(subjectMedian),
          baseline_median_s: round(baselineMedian),
          ratio: round(subjectMedian / baselineMedian, 3),
          runs,
          target_ratio: TARGETS[cache],
          met: subjectMedian / baselineMedian <= TARGETS[cache],
        }),
      );
    }
  }
} finally {
  rmSync(cacheDir, { recursive: true, force: true });
}
