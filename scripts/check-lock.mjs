#!/usr/bin/env node
// Is the committed package-lock.json one `npm ci` accepts, on every platform? `npm ci`
// builds the full dependency tree from the package.json files, every platform's optional
// packages included (esbuild, rollup and biome ship one per OS and CPU), and refuses a lock
// that lacks any of them, even the ones it would not install here. A lock grown by
// `npm install` on one machine can lack them; one made from scratch
// (`rm -rf node_modules package-lock.json && npm install --package-lock-only`) has them.
// Two checks: every dependency of every entry resolves to an entry of the lock, read the way
// npm resolves (no network); then `npm ci --dry-run` itself, in a temp folder holding only
// the package.json files and the lock (it reads metadata from npm's cache, or the registry
// the user's npm is configured with). Exit 1 with what is missing.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const REGENERATE = 'rm -rf node_modules package-lock.json && npm install --package-lock-only --no-audit --no-fund';

/** Where npm would find `name` from the entry at `location`: its own node_modules, then each parent's, then the root's. */
function resolveIn(packages, location, name) {
  let base = location;
  for (;;) {
    const candidate = base === '' ? `node_modules/${name}` : `${base}/node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (base === '') return undefined;
    const parent = base.lastIndexOf('/node_modules/');
    base = parent < 0 ? '' : base.slice(0, parent);
  }
}

/** Pure: every dependency (optional ones and required peers too) that no entry of the lock provides. */
export function missingFromLock(lock) {
  const packages = lock.packages ?? {};
  const missing = [];
  for (const [location, entry] of Object.entries(packages)) {
    if (entry.link) continue;
    const optionalPeers = new Set(
      Object.entries(entry.peerDependenciesMeta ?? {})
        .filter(([, meta]) => meta.optional)
        .map(([name]) => name),
    );
    const wanted = [
      ...Object.entries(entry.dependencies ?? {}).map(([name, range]) => ({ name, range, kind: 'dependency' })),
      ...Object.entries(entry.optionalDependencies ?? {}).map(([name, range]) => ({ name, range, kind: 'optional' })),
      ...Object.entries(entry.peerDependencies ?? {})
        .filter(([name]) => !optionalPeers.has(name))
        .map(([name, range]) => ({ name, range, kind: 'peer' })),
      ...(location === '' || !location.includes('node_modules/')
        ? Object.entries(entry.devDependencies ?? {}).map(([name, range]) => ({ name, range, kind: 'dev' }))
        : []),
    ];
    for (const { name, range, kind } of wanted) {
      if (!resolveIn(packages, location, name)) missing.push(`${name}@${range} (${kind} of ${location || 'the root'})`);
    }
  }
  return [...new Set(missing)].sort();
}

/** The root's and each workspace's package.json, as `npm ci` reads them. */
function workspaceManifests() {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const files = ['package.json'];
  for (const pattern of manifest.workspaces ?? []) {
    const dirs = pattern.endsWith('/*')
      ? readdirSync(join(root, pattern.slice(0, -2)), { withFileTypes: true })
          .filter((entry) => entry.isDirectory())
          .map((entry) => `${pattern.slice(0, -2)}/${entry.name}`)
      : [pattern];
    for (const dir of dirs) if (existsSync(join(root, dir, 'package.json'))) files.push(`${dir}/package.json`);
  }
  return files;
}

function npmCiDryRun() {
  const temp = mkdtempSync(join(tmpdir(), 'imagespec-check-lock-'));
  try {
    for (const file of [...workspaceManifests(), 'package-lock.json']) {
      mkdirSync(dirname(join(temp, file)), { recursive: true });
      cpSync(join(root, file), join(temp, file));
    }
    return spawnSync(
      'npm',
      ['ci', '--dry-run', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'],
      { cwd: temp, encoding: 'utf8' },
    );
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  const missing = missingFromLock(lock);
  if (missing.length > 0) {
    console.error(`package-lock.json lacks ${missing.length} package(s) that npm ci needs on some platform:`);
    for (const line of missing.slice(0, 40)) console.error(`  ${line}`);
    if (missing.length > 40) console.error(`  ... and ${missing.length - 40} more`);
    console.error(`Regenerate it from scratch and commit it: ${REGENERATE}`);
    process.exit(1);
  }
  const ci = npmCiDryRun();
  if (ci.status !== 0) {
    console.error(`npm ci --dry-run refuses package-lock.json:\n${`${ci.stdout}${ci.stderr}`.trim()}`);
    console.error(`Regenerate it from scratch and commit it: ${REGENERATE}`);
    process.exit(1);
  }
  console.log(
    `package-lock.json is npm ci-clean: ${Object.keys(lock.packages ?? {}).length} entries, every platform's optional packages included`,
  );
}
