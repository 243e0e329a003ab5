#!/usr/bin/env node
// Publish checks for every package: publint (package.json, exports, files) and
// @arethetypeswrong/cli (types resolve for ESM consumers) on the packed tarball.
// Needs the packages built. Exit 1 when any package fails.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const packages = readdirSync(join(root, 'packages'));
const bin = (name) => join(root, 'node_modules', '.bin', name);
let failed = 0;
for (const name of packages) {
  const dir = join(root, 'packages', name);
  for (const [tool, args] of [
    ['publint', ['run', '--strict', '--pack', 'npm']],
    // ESM-only packages: the node10/CJS resolutions do not apply.
    ['attw', ['--pack', '.', '--profile', 'esm-only', '--no-emoji', '--no-color']],
  ]) {
    const result = spawnSync(bin(tool), args, { cwd: dir, encoding: 'utf8' });
    const ok = result.status === 0;
    if (!ok) failed += 1;
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${tool} @imagespec/${name}`);
    if (!ok) console.log(`${result.stdout}${result.stderr}`.trim().replace(/^/gm, '     '));
  }
}
process.exit(failed > 0 ? 1 : 0);
