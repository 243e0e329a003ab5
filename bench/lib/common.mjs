// Shared bench helpers: medians, timing a process, dropping the page cache, building core.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const CORE_DIST = `${REPO}packages/core/dist/index.js`;

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export const round = (x, digits = 4) => Number(x.toFixed(digits));

/** The built core's entries the benches use (the main one and its spec, hash and context rooms) as one namespace. */
export async function importCore(query = '') {
  const entries = ['index', 'spec', 'hash', 'context'].map((name) => `${REPO}packages/core/dist/${name}.js${query}`);
  return Object.assign({}, ...(await Promise.all(entries.map((entry) => import(entry)))));
}

/** Builds core when its dist is missing or lacks one of `exports` (a stale build). */
export async function ensureCoreBuilt(exports = []) {
  if (existsSync(CORE_DIST)) {
    const core = await importCore(`?check=${Date.now()}`).catch(() => ({}));
    if (exports.every((name) => name in core)) return;
  }
  console.error('bench: building @imagespec/core (npx nx run core:build)');
  const result = spawnSync('npx', ['nx', 'run', 'core:build'], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
  if (result.status !== 0) throw new Error('building @imagespec/core failed');
}

/**
 * Empties the page, dentry and inode caches (needs root). Returns false when this
 * machine does not allow it, so a bench can say it measured warm instead.
 */
export function dropCaches() {
  spawnSync('sync');
  try {
    writeFileSync('/proc/sys/vm/drop_caches', '3\n');
    return true;
  } catch {
    return false;
  }
}

/** Wall-clock seconds of `argv` (run directly, no shell); throws with its stderr if it fails. */
export function timeProcess(argv, options = {}) {
  const started = process.hrtime.bigint();
  const result = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`${argv.join(' ')} failed (${result.status}): ${result.stderr}`);
  return { seconds, stdout: result.stdout };
}

export const CLI_DIST = `${REPO}packages/cli/dist/cli.js`;

/** Exits with a clear message when the CLI or builder-docker is not built (the docker benches run them). */
export function requireDockerBenchBuilt(bench) {
  if (!existsSync(CLI_DIST) || !existsSync(`${REPO}packages/builder-docker/dist/index.js`)) {
    console.error(`${bench}: the CLI or builder-docker is not built: run \`npm run build\` first.`);
    process.exit(1);
  }
}

/** Imports a TypeScript module of the repo (test-env/, test stand-ins) through jiti, without a build step. */
export async function importRepoTs(path) {
  const { createJiti } = await import('jiti');
  return createJiti(import.meta.url).import(`${REPO}${path}`);
}

/**
 * Runs `subject` and `baseline` once each as a warm-up, then `runs` times alternated;
 * returns their medians (of what each returns: seconds, or `{ seconds }`).
 */
export function alternate(subject, baseline, runs) {
  const seconds = (result) => (typeof result === 'number' ? result : result.seconds);
  subject();
  baseline();
  const a = [];
  const b = [];
  for (let i = 0; i < runs; i++) {
    a.push(seconds(subject()));
    b.push(seconds(baseline()));
  }
  return { subject: median(a), baseline: median(b) };
}

/**
 * Like timeProcess, but asynchronous, for benches whose own process serves what the child
 * needs (a blocking spawnSync would leave pip in a build waiting on this process's index).
 * Resolves with the seconds, stdout and stderr; rejects with the output when it fails.
 */
export function timeProcessAsync(argv, options = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(argv[0], argv.slice(1), { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (status) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (status === 0) resolve({ seconds, stdout, stderr });
      else reject(new Error(`${argv.join(' ')} failed (${status}):\n${stdout.slice(-3000)}${stderr}`));
    });
  });
}
