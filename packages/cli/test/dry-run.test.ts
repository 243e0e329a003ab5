import { afterEach, describe, expect, it } from 'vitest';
import { runBin, tempProject } from './run-bin.js';
import { recordingBuilder } from './test-builders.js';

const projects: { dispose(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(projects.splice(0).map((p) => p.dispose()));
});

describe('build --dry-run', () => {
  it('plain output shows the plan (not only --json), and nothing is built', async () => {
    const p = await tempProject({
      'imagespec.yaml': 'name: hello\nbaseImage: busybox:1.36\ncommands: ["true"]\n',
      'imagespec.config.mjs': "export default { builders: ['./recorder.mjs'] };\n",
      'recorder.mjs': recordingBuilder(),
    });
    projects.push(p);
    const r = await runBin(['build', '--dry-run', '--progress', 'plain'], { cwd: p.dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^plan for hello: hello:[a-z2-7]{26} with the recorder builder$/m);
    expect(r.stdout).toMatch(/^ {2}argv: record hello:[a-z2-7]{26}$/m);
    expect(r.stdout).not.toContain('line 0 of hello');
  });
});
