#!/usr/bin/env node
// The `imagespec` command as npm links it. This file is committed, not built: npm links a
// workspace's bin when it installs, before `npm run build` has made dist/, and a bin that
// points into dist/ is then missing, so `npx imagespec` goes looking in the public registry.
// As Vite's bin/vite.js, it only loads the built CLI (dist/cli.js runs the bundle from its
// V8 code cache).
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
const missing = [cli, new URL('../dist/imagespec.cjs', import.meta.url)].find((file) => !existsSync(file));
if (missing) {
  process.stderr.write(
    `imagespec: the CLI is not built (${missing.pathname} is missing). In a clone of the imagespec repository, ` +
      'run `npm run build` (or `npm run quickstart`) at its root; elsewhere, reinstall @imagespec/cli.\n',
  );
  process.exit(1);
}
await import(cli.href);
