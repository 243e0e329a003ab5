import { readFile } from 'node:fs/promises';
import type { Plugin } from 'esbuild';

/**
 * Commander requires node:child_process at load, only for git-style executable subcommands,
 * which we have none of; loading it (with net and dgram) cost every start ~3 ms. A getter
 * takes its place. The build fails if commander's line changes, rather than silently not applying.
 */
export const lazyChildProcessForCommander: Plugin = {
  name: 'lazy-child-process-for-commander',
  setup(build) {
    build.onLoad({ filter: /[\\/]commander[\\/]lib[\\/]command\.js$/ }, async (args) => {
      const eager = "const childProcess = require('node:child_process');";
      const source = await readFile(args.path, 'utf8');
      if (!source.includes(eager)) throw new Error(`${args.path} no longer has ${eager}: update this plugin`);
      const lazy =
        "let realChildProcess; const childProcess = { spawn: (...a) => (realChildProcess ??= require('node:child_process')).spawn(...a) };";
      return { contents: source.replace(eager, lazy), loader: 'js' };
    });
  },
};
