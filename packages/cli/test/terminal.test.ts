import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI_BIN, runBin, tempProject } from './run-bin.js';
import { recordingBuilder } from './test-builders.js';

const projects: { dispose(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(projects.splice(0).map((p) => p.dispose()));
});

const MULTI = `images:
  alpha:
    baseImage: busybox:1.36
    commands: ["echo a"]
  beta:
    baseImage: busybox:1.36
    commands: ["echo b"]
`;

async function multiProject(lines: number) {
  const p = await tempProject({
    'imagespec.yaml': MULTI,
    'imagespec.config.mjs': "export default { builders: ['./recorder.mjs'] };\n",
    'recorder.mjs': recordingBuilder({ lines }),
  });
  projects.push(p);
  return p.dir;
}

describe('imagespec build output', () => {
  it('on a real terminal (a pty from script(1)): colored image prefixes, live status lines, a summary', async () => {
    const dir = await multiProject(5);
    // script(1) runs the command on a new pseudo-terminal, as an interactive shell would.
    const result = spawnSync('script', ['-qfec', `${process.execPath} ${CLI_BIN} build`, '/dev/null'], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: dir, TERM: 'xterm-256color', COLUMNS: '120' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).toBe(0);
    const out = result.stdout;
    expect(out).toMatch(/\u001b\[\d+m(alpha|beta)\s*\|/); // colored prefix
    expect(out).toMatch(/\u001b\[\d+A\u001b\[0J/); // status block redrawn in place
    expect(out).toContain('line 4 of alpha');
    expect(out).toContain('line 4 of beta');
    expect(out).toMatch(/IMAGE\s*.*TAG/);
  });

  it('piped: parallel builds never interleave mid-line, and each line carries its own image prefix', async () => {
    const dir = await multiProject(400);
    const r = await runBin(['build', '--concurrency', '2', '--progress', 'plain'], { cwd: dir });
    expect(r.code).toBe(0);
    const logLines = r.stdout.split('\n').filter((line) => / line \d+ of /.test(line));
    expect(logLines).toHaveLength(800);
    for (const line of logLines) {
      const match = /^(alpha|beta)\s*\| line \d+ of (alpha|beta)$/.exec(line);
      expect(match, line).not.toBeNull();
      expect(match?.[1]).toBe(match?.[2]);
    }
    expect(r.stdout).not.toContain('\u001b[');
  });
});
