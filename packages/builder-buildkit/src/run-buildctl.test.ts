import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeEnv, writeFakeBuildctl } from '../test/fake-buildctl.js';
import { runBuildctl } from './run-buildctl.js';

// Process handling against the buildctl STAND-IN (see test/fake-buildctl.ts).

let dir: string;
let fake: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imagespec-bk-run-'));
  fake = await writeFakeBuildctl(dir);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function waitForFile(path: string): Promise<string> {
  for (;;) {
    try {
      const text = await readFile(path, 'utf8');
      if (text !== '') return text;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('runBuildctl (stand-in buildctl)', () => {
  it('streams stderr lines in order and reports exit code 0 and stdout', async () => {
    const lines: string[] = [];
    const run = await runBuildctl(fake, ['debug', 'workers'], {
      env: fakeEnv({ workers: 'ok' }),
      graceMs: 1000,
      onStderrLine: (line) => lines.push(line),
    });
    expect(run).toMatchObject({ exitCode: 0, timedOut: false, canceled: false, forceKilled: false });
    expect(run.stdout).toContain('linux/amd64');
    expect(run.spawnError).toBeUndefined();

    const build = await runBuildctl(fake, ['build'], {
      env: fakeEnv({ build: { stderr: ['{"vertexes":[]}', 'plain text', 'error: failed to solve: boom'], exit: 1 } }),
      graceMs: 1000,
      onStderrLine: (line) => lines.push(line),
      collectStderr: true,
    });
    expect(build.exitCode).toBe(1);
    expect(lines).toEqual(['{"vertexes":[]}', 'plain text', 'error: failed to solve: boom']);
    expect(build.stderr).toEqual(lines);
  });

  it('passes through non-zero exit codes', async () => {
    const run = await runBuildctl(fake, ['debug', 'workers'], {
      env: fakeEnv({ workers: { stderr: 'error: something', exit: 7 } }),
      graceMs: 1000,
      collectStderr: true,
    });
    expect(run.exitCode).toBe(7);
    expect(run.stderr).toEqual(['error: something']);
  });

  it('reports a missing binary as a spawn error, not an exit code', async () => {
    const run = await runBuildctl(join(dir, 'no-such-buildctl'), ['debug', 'workers'], {
      env: process.env,
      graceMs: 1000,
    });
    expect(run.spawnError?.code).toBe('ENOENT');
    expect(run.exitCode).toBeUndefined();
  });

  it('only uses the environment it is given (nothing inherited from process.env)', async () => {
    const probe = await runBuildctl(process.execPath, ['-e', 'process.exit(process.env.HOME === undefined ? 0 : 3)'], {
      env: { PATH: process.env.PATH },
      graceMs: 1000,
    });
    expect(process.env.HOME).toBeDefined();
    expect(probe.exitCode).toBe(0);
  });

  it('on cancellation sends SIGINT (buildctl then cancels the solve) and reports canceled', async () => {
    const signalFile = join(dir, 'signals-cancel');
    const started = join(dir, 'started-cancel');
    const controller = new AbortController();
    const running = runBuildctl(fake, ['build'], {
      env: fakeEnv({ build: { hang: true }, signalFile, recordFile: started }),
      signal: controller.signal,
      graceMs: 5000,
    });
    await waitForFile(started);
    controller.abort(new Error('user pressed ctrl-c'));
    const run = await running;
    expect(run.canceled).toBe(true);
    expect(run.forceKilled).toBe(false);
    expect(await readFile(signalFile, 'utf8')).toBe('SIGINT\n');
  });

  it('sends SIGKILL when buildctl ignores SIGINT past the grace period', async () => {
    const signalFile = join(dir, 'signals-stubborn');
    const started = join(dir, 'started-stubborn');
    const controller = new AbortController();
    const running = runBuildctl(fake, ['build'], {
      env: fakeEnv({ build: { hang: true, ignoreSigint: true }, signalFile, recordFile: started }),
      signal: controller.signal,
      graceMs: 200,
    });
    await waitForFile(started);
    controller.abort();
    const run = await running;
    expect(run).toMatchObject({ canceled: true, forceKilled: true, signal: 'SIGKILL' });
    expect(await readFile(signalFile, 'utf8')).toBe('SIGINT\n');
  });

  it('stops buildctl at the time limit and reports timedOut', async () => {
    const signalFile = join(dir, 'signals-timeout');
    const run = await runBuildctl(fake, ['build'], {
      env: fakeEnv({ build: { hang: true }, signalFile }),
      timeoutMs: 300,
      graceMs: 5000,
    });
    expect(run.timedOut).toBe(true);
    // SIGINT either reached the stand-in's handler or, if it came before node installed one, ended it.
    expect(existsSync(signalFile) ? await readFile(signalFile, 'utf8') : run.signal).toMatch(/^SIGINT\n?$/);
  });
});
