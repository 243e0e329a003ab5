#!/usr/bin/env node
// The `imagespec` binary: wires the real process into runCli. The CLI itself is one
// CommonJS bundle, run from a V8 code cache (see code-cache.ts).
import { fileURLToPath } from 'node:url';
import { EXIT_PIPE_CLOSED, guardOutput } from './closed-pipe.js';
import { defaultCacheDir, loadBundle } from './code-cache.js';
import type * as main from './main.js';

const EXIT_INTERRUPTED = 130;
const controller = new AbortController();
const output = guardOutput(process, () => {
  // Also when the pipe closes after the run ended, while the last writes drain.
  process.exitCode = EXIT_PIPE_CLOSED;
  controller.abort(new Error('the output was closed (EPIPE)'));
});
let interrupts = 0;
const onSignal = (signal: NodeJS.Signals) => {
  interrupts += 1;
  if (interrupts > 1) process.exit(EXIT_INTERRUPTED);
  output.stderr.write(
    `\nimagespec: ${signal} received, cancelling builds and cleaning up (press Ctrl-C again to force)\n`,
  );
  controller.abort(new Error(`interrupted by ${signal}`));
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const argv = process.argv.slice(2);
const command = argv.find((arg) => !arg.startsWith('-')) ?? 'none';
const bundle = loadBundle<typeof main>({
  file: fileURLToPath(new URL('./imagespec.cjs', import.meta.url)),
  slot: /^[a-z][a-z0-9-]{0,30}$/.test(command) ? command : 'other',
  cacheDir: defaultCacheDir(process.env),
});
const code = await bundle.exports.runCli(argv, {
  cwd: process.cwd(),
  env: process.env,
  stdout: output.stdout,
  stderr: output.stderr,
  isTTY: Boolean(process.stdout.isTTY),
  columns: process.stdout.columns,
  signal: controller.signal,
  // Builder plugins, configs and jiti resolve from this package, as they would unbundled.
  importModule: (specifier) => import(specifier),
});
bundle.save();
if (argv.includes('--debug') || process.env.IMAGESPEC_DEBUG === '1') {
  output.stderr.write(`debug: code cache ${bundle.cached ? 'hit' : 'miss'} (${bundle.cacheFile ?? 'off'})\n`);
}
// Interrupted: 130 whatever the builds ended with (they were cancelled); a closed pipe: 141, as git.
process.exitCode = output.closed ? EXIT_PIPE_CLOSED : interrupts > 0 ? EXIT_INTERRUPTED : code;
