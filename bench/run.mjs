#!/usr/bin/env node
// `npm run bench` runs every bench (bench/*.mjs but this file); `npm run bench -- NAME...`
// runs those. Each bench is its own `node` process and prints one JSON object per line
// on stdout; progress goes to stderr. Builds @imagespec/core first when its dist is missing.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { ensureCoreBuilt, REPO } from './lib/common.mjs';

const available = readdirSync(`${REPO}bench`)
  .filter((file) => file.endsWith('.mjs') && file !== 'run.mjs')
  .map((file) => file.slice(0, -'.mjs'.length))
  .sort();
const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !available.includes(name));
if (unknown.length > 0) {
  console.error(`Unknown bench: ${unknown.join(', ')}. Available: ${available.join(', ')}.`);
  process.exit(2);
}

await ensureCoreBuilt();
let failed = 0;
for (const name of wanted.length > 0 ? wanted : available) {
  console.error(`bench: ${name}`);
  const result = spawnSync(process.execPath, [`${REPO}bench/${name}.mjs`], { cwd: REPO, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`bench: ${name} failed (exit ${result.status ?? result.signal})`);
    failed++;
  }
}
process.exitCode = failed > 0 ? 1 : 0;
