import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI_BIN, tempProject } from './run-bin.js';
import { recordingBuilder } from './test-builders.js';

const projects: { dispose(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(projects.splice(0).map((p) => p.dispose()));
});

/** Runs the binary with a reader that closes its end after the first line (`| head -1`). */
function firstLineOnly(args: string[], cwd: string): Promise<{ code: number | null; first: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: cwd },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (stdout.includes('\n')) child.stdout.destroy();
    });
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, first: stdout.split('\n')[0] ?? '', stderr }));
  });
}

describe('a reader that closes the pipe early', () => {
  it('build --json | head -1: ends quietly with 141 (as git), no stack, no unhandled error', async () => {
    const p = await tempProject({
      'imagespec.yaml': 'name: hello\nbaseImage: busybox:1.36\ncommands: ["true"]\n',
      'imagespec.config.mjs': "export default { builders: ['./recorder.mjs'] };\n",
      // Far more output than a pipe buffer holds, so writes go on after the reader left.
      'recorder.mjs': recordingBuilder({ lines: 20_000 }),
    });
    projects.push(p);
    const r = await firstLineOnly(['build', '--json'], p.dir);
    expect(() => JSON.parse(r.first)).not.toThrow();
    expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(r.stderr).not.toContain('EPIPE');
    expect(r.code).toBe(141);
  });

  it('schema | head -1: a command that writes its output in one go ends the same way', async () => {
    const p = await tempProject({});
    projects.push(p);
    const r = await firstLineOnly(['schema'], p.dir);
    expect(r.first).toBe('{');
    expect(r.stderr).toBe('');
    // The whole schema may fit in the pipe before the reader closes it: then nothing failed.
    expect([0, 141]).toContain(r.code);
  });
});
