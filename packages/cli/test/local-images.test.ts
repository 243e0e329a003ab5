import { afterEach, describe, expect, it } from 'vitest';
import { runBin, tempProject } from './run-bin.js';
import { recordingBuilder } from './test-builders.js';

const projects: { dispose(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(projects.splice(0).map((p) => p.dispose()));
});

async function project(builder: { exists?: boolean }) {
  const p = await tempProject({
    'imagespec.yaml': 'name: hello\nbaseImage: busybox:1.36\ncommands: ["true"]\n',
    'imagespec.config.mjs': "export default { builders: ['./recorder.mjs'] };\n",
    'recorder.mjs': recordingBuilder(builder),
  });
  projects.push(p);
  return p.dir;
}

describe('an image with no registry (it lives in the builder engine)', () => {
  it('exists asks the builder that would build it, as build does before it skips', async () => {
    const dir = await project({ exists: true });
    const before = await runBin(['exists'], { cwd: dir });
    expect(before.stdout).toMatch(/^hello:[a-z2-7]{26} is not in the local engine \(recorder builder\)\n$/);
    expect(before.code).toBe(1);

    expect((await runBin(['build', '--progress', 'plain'], { cwd: dir })).code).toBe(0);
    const after = await runBin(['exists'], { cwd: dir });
    expect(after.stdout).toMatch(/^hello:[a-z2-7]{26} is in the local engine \(recorder builder\)\n$/);
    expect(after.code).toBe(0);
    const json = await runBin(['exists', '--json'], { cwd: dir });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({
      image: after.stdout.split(' ')[0],
      exists: true,
      where: 'local',
      builder: 'recorder',
    });

    const again = await runBin(['build', '--json'], { cwd: dir });
    expect(again.code).toBe(0);
    const skipped = again.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .find((event) => event.type === 'skipped');
    expect(skipped).toMatchObject({ reason: 'exists', where: 'local' });
  });

  it('a builder with no exists check: exit 2 (cannot tell), never 1 (absent)', async () => {
    const dir = await project({});
    const r = await runBin(['exists'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('keeps no images of its own');
    expect(r.stderr).toContain('registry');
  });
});
