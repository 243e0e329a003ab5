import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * STAND-IN for buildctl, for testing process handling only (exit codes, stderr
 * streaming, signals, timeouts, what argv and environment the adapter passes). No BuildKit
 * daemon can run on these machines; what the stand-in prints is replayed from the real
 * recordings in test/fixtures, and the real flow is covered by
 * buildkit.e2e.test.ts when BUILDKIT_HOST is set. It is a small node script written to a
 * temp folder as `fake-buildctl` and used through the builder's `buildctl` path option.
 *
 * Its behaviour comes from the FAKE_BUILDCTL environment variable (JSON, see FakeScript).
 */

export interface FakeScript {
  /** What `buildctl ... debug workers` does. */
  readonly workers?: 'ok' | 'none' | { readonly stderr: string; readonly exit: number } | 'hang';
  /** What `buildctl ... build` does (for a spec with verify: the solve of the image stage). */
  readonly build?: FakeSolve;
  /** What the solve of the verify stage (`--opt target=imagespec-verify`) does; default: succeed quietly. */
  readonly verify?: FakeSolve;
  /** The stand-in writes {argv, dockerConfig, contextFiles, contextTexts, dockerfile, dockerfileFiles} here (the last call). */
  readonly recordFile?: string;
  /** The stand-in appends each call's argv here, one JSON array per line. */
  readonly callsFile?: string;
  /** The stand-in appends each signal it receives here, one per line. */
  readonly signalFile?: string;
}

export interface FakeSolve {
  /** Lines written to stderr, in order (e.g. a recorded progress-rawjson file's lines). */
  readonly stderrFile?: string;
  readonly stderr?: readonly string[];
  readonly exit?: number;
  /** Copied to the --metadata-file path on exit 0. */
  readonly metadataFile?: string;
  /** After the output, wait until signalled. */
  readonly hang?: boolean;
  /** Ignore SIGINT (only SIGKILL ends it). */
  readonly ignoreSigint?: boolean;
}

const SCRIPT = String.raw`
const fs = require('node:fs');
const path = require('node:path');
const script = JSON.parse(process.env.FAKE_BUILDCTL || '{}');
const argv = process.argv.slice(2);
const flag = (name) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };
const named = (flagName) => Object.fromEntries(argv.flatMap((a, i) => argv[i - 1] === flagName ? [a.split(/=(.*)/s).slice(0, 2)] : []));
const locals = named('--local');
// Like BuildKit's Dockerfile frontend: the Dockerfile is read from the dockerfile folder by its filename opt.
const filename = named('--opt').filename || 'Dockerfile';
function walk(dir, prefix = '') {
  if (!dir || !fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name)).flatMap((e) =>
    e.isDirectory() ? walk(path.join(dir, e.name), prefix + e.name + '/') : [prefix + e.name]);
}
const texts = (dir) => Object.fromEntries(walk(dir).map((file) => {
  try { return [file, fs.readFileSync(path.join(dir, file), 'utf8')]; } catch { return [file, null]; }
}));
// Handlers first: tests signal the stand-in as soon as its record file exists.
const onSignal = (name, exit) => () => {
  if (script.signalFile) fs.appendFileSync(script.signalFile, name + '\n');
  if (exit) { process.stderr.write('error: context canceled\n'); process.exit(1); }
};
process.on('SIGINT', onSignal('SIGINT', !(script.build && script.build.ignoreSigint)));
process.on('SIGTERM', onSignal('SIGTERM', true));
if (script.callsFile) fs.appendFileSync(script.callsFile, JSON.stringify(argv) + '\n');
if (script.recordFile) {
  const dockerConfig = process.env.DOCKER_CONFIG ? fs.readFileSync(path.join(process.env.DOCKER_CONFIG, 'config.json'), 'utf8') : null;
  const dockerfile = locals.dockerfile ? fs.readFileSync(path.join(locals.dockerfile, filename), 'utf8') : null;
  fs.writeFileSync(script.recordFile + '.tmp', JSON.stringify({ argv, dockerConfig: dockerConfig && JSON.parse(dockerConfig),
    dockerConfigDir: process.env.DOCKER_CONFIG || null, contextDir: locals.context || null, contextFiles: walk(locals.context), dockerfile,
    dockerfileFiles: walk(locals.dockerfile), contextTexts: texts(locals.context) }));
  fs.renameSync(script.recordFile + '.tmp', script.recordFile);
}
const forever = () => setInterval(() => {}, 1000);
if (argv.includes('debug') && argv.includes('workers')) {
  const w = script.workers || 'ok';
  if (w === 'hang') forever();
  else if (w === 'ok') process.stdout.write('ID                         PLATFORMS\nq6mwq3f0zz6ys3lbk3wdfsexa  linux/amd64,linux/386\n');
  else if (w === 'none') process.stdout.write('ID PLATFORMS\n');
  else { process.stderr.write(w.stderr + '\n'); process.exitCode = w.exit; }
} else if (argv.includes('build')) {
  const b = (argv.includes('target=imagespec-verify') ? script.verify : script.build) || {};
  const out = flag('--output') || '';
  const dest = /(?:^|,)dest=([^,]+)/.exec(out);
  // Like buildctl, create the tarball file before the solve.
  if (out.startsWith('type=oci') && dest) fs.writeFileSync(dest[1], '');
  const lines = [...(b.stderrFile ? fs.readFileSync(b.stderrFile, 'utf8').split('\n').filter(Boolean) : []), ...(b.stderr || [])];
  for (const line of lines) process.stderr.write(line + '\n');
  if ((b.exit || 0) === 0 && out.startsWith('type=oci') && dest) fs.writeFileSync(dest[1], 'oci layout tarball from the stand-in');
  if ((b.exit || 0) === 0 && b.metadataFile) fs.copyFileSync(b.metadataFile, flag('--metadata-file'));
  if (b.hang) forever(); else process.exitCode = b.exit || 0;
} else {
  process.stderr.write('fake-buildctl: unexpected arguments ' + argv.join(' ') + '\n');
  process.exitCode = 2;
}
`;

/** Writes the stand-in as `<dir>/fake-buildctl` (executable) and returns its path. */
export async function writeFakeBuildctl(dir: string): Promise<string> {
  const file = join(dir, 'fake-buildctl');
  await writeFile(file, `#!${process.execPath}\n${SCRIPT}`);
  await chmod(file, 0o755);
  return file;
}

export function fakeEnv(script: FakeScript): Record<string, string | undefined> {
  return { ...process.env, FAKE_BUILDCTL: JSON.stringify(script) };
}
