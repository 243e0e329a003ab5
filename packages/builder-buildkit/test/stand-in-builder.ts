import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuilderHost } from '@imagespec/core/builder';
import { afterAll, beforeAll } from 'vitest';
import { createBuildkitBuilder } from '../src/buildctl-builder.js';
import { type BuildkitOptionsInput, buildkitOptionsSchema } from '../src/options.js';
import { type FakeScript, fakeEnv, writeFakeBuildctl } from './fake-buildctl.js';

/**
 * The buildkit builder wired to the buildctl STAND-IN (fake-buildctl.ts), for the adapter's
 * tests: a host whose temp dirs the test can see, and what the stand-in recorded (its
 * argv per call, the folders it was handed, the signals it got).
 */

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** A solve that succeeds, replaying a real recording, and writes a real metadata file. */
export const success: FakeScript = {
  build: { stderrFile: `${FIXTURES}progress-rawjson-success.ndjson`, metadataFile: `${FIXTURES}metadata-file.json` },
};

/**
 * The real recording of a RUN `echo about to fail; exit 3` that exits 3, with its vertex
 * named the way BuildKit names a step of a named stage (`[<stage> N/M] ...`): a step of the
 * verify stage, or of the image stage.
 */
export async function failedIn(stage: string): Promise<string[]> {
  return (await readFile(`${FIXTURES}progress-rawjson-failed.ndjson`, 'utf8'))
    .replaceAll('[2/2] RUN echo about to fail; exit 3', `[${stage}] RUN echo about to fail; exit 3`)
    .trimEnd()
    .split('\n');
}

/** Registers the suite's temp folder (made before, removed after all tests) and returns `setup`. */
export function useStandInBuildctl() {
  const state = { root: '', fake: '', counter: 0 };
  beforeAll(async () => {
    state.root = await mkdtemp(join(tmpdir(), 'imagespec-bk-builder-'));
    state.fake = await writeFakeBuildctl(state.root);
  });
  afterAll(() => rm(state.root, { recursive: true, force: true }));

  function setup(script: FakeScript, input: BuildkitOptionsInput = {}, env: Record<string, string> = {}) {
    const { root } = state;
    const n = ++state.counter;
    const temps: string[] = [];
    const warnings: string[] = [];
    const recordFile = join(root, `record-${n}.json`);
    const callsFile = join(root, `calls-${n}.jsonl`);
    const signalFile = join(root, `signals-${n}`);
    const host: BuilderHost = {
      logger: { debug: () => {}, info: () => {}, warn: (message) => warnings.push(message) },
      registries: {
        credentials: async (registry) =>
          registry === '127.0.0.1:5001' ? { username: 'imagespec', password: 'test-password-1' } : undefined,
        insecure: (registry) => registry.startsWith('127.0.0.1:'),
        mirror: (reference) => reference,
      },
      cwd: root,
      env: { ...fakeEnv({ ...script, recordFile, callsFile, signalFile }), ...env },
      async tempDir(prefix = 'tmp-') {
        const path = await mkdtemp(join(root, prefix));
        temps.push(path);
        return { path, dispose: () => rm(path, { recursive: true, force: true }) };
      },
    };
    const options = buildkitOptionsSchema.parse({ addr: 'tcp://buildkitd.test:1234', buildctl: state.fake, ...input });
    const builder = createBuildkitBuilder(options, host);
    const record = async () => JSON.parse(await readFile(recordFile, 'utf8'));
    const calls = async (): Promise<string[][]> =>
      existsSync(callsFile)
        ? (await readFile(callsFile, 'utf8'))
            .trimEnd()
            .split('\n')
            .map((line) => JSON.parse(line))
        : [];
    return { builder, host, temps, warnings, recordFile, signalFile, record, calls };
  }

  return {
    /** The suite's temp folder (the hosts' cwd). */
    get root() {
      return state.root;
    },
    /** The stand-in's path. */
    get fake() {
      return state.fake;
    },
    setup,
  };
}
