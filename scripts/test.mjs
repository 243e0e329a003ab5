#!/usr/bin/env node
// `npm test`: everything, from a fresh clone. Installs dependencies when missing, builds
// the packages (the CLI tests run the built binary), type-checks and lints, then runs
// vitest, whose global setup (test-env/) installs and starts the real Docker engine and
// registries. Ends with one plain line counted from vitest's JSON report, for CI.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const report = join(root, '.vitest-report.json');
const vitestArgs = process.argv.slice(2);

function step(title, command, args) {
  console.log(`\n== ${title}: ${command} ${args.join(' ')}`);
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: process.env });
  console.log(`== ${title}: exit ${result.status ?? result.signal} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return result.status ?? 1;
}

function installIfNeeded() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  if (
    existsSync(marker) &&
    readFileSync(marker, 'utf8').length > 0 &&
    existsSync(join(root, 'node_modules', '.bin', 'vitest'))
  )
    return 0;
  // `npm ci`: exactly the committed lock (scripts/check-lock.mjs keeps it npm ci-clean on every platform).
  return step('install', 'npm', ['ci', '--no-audit', '--no-fund']);
}

const failedSteps = [];
if (installIfNeeded() !== 0) failedSteps.push('install');
if (failedSteps.length === 0) {
  if (step('build', 'npx', ['nx', 'run-many', '-t', 'build', '--outputStyle=static']) !== 0) failedSteps.push('build');
  if (step('typecheck', 'npx', ['nx', 'run-many', '-t', 'typecheck', '--outputStyle=static']) !== 0)
    failedSteps.push('typecheck');
  if (step('lint', 'npx', ['biome', 'check', '.']) !== 0) failedSteps.push('lint');
  if (step('package checks', 'node', ['scripts/check-packages.mjs']) !== 0) failedSteps.push('package checks');
  if (step('lock check', 'node', ['scripts/check-lock.mjs']) !== 0) failedSteps.push('lock check');
}

rmSync(report, { force: true });
let vitestStatus = 1;
if (!failedSteps.includes('install') && !failedSteps.includes('build')) {
  vitestStatus = step('vitest', 'npx', [
    'vitest',
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
    ...vitestArgs,
  ]);
}

let passed = 0;
let failed = 0;
let skipped = 0;
if (existsSync(report)) {
  const json = JSON.parse(readFileSync(report, 'utf8'));
  passed = json.numPassedTests ?? 0;
  failed = json.numFailedTests ?? 0;
  skipped = (json.numPendingTests ?? 0) + (json.numTodoTests ?? 0);
  // A suite that failed to load has no test results but must not read as green.
  failed += (json.testResults ?? []).filter(
    (file) => file.status === 'failed' && (file.assertionResults ?? []).length === 0,
  ).length;
} else {
  failed = 1;
  console.log('vitest wrote no JSON report: counting the run as one failure.');
}
for (const name of failedSteps) {
  console.log(`step failed: ${name}`);
  failed += 1;
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failedSteps.length > 0 || vitestStatus !== 0 || failed > 0 ? 1 : 0);
