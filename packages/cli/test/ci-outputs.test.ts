import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runBin, tempProject } from './run-bin.js';
import { recordingBuilder } from './test-builders.js';

const projects: { dispose(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(projects.splice(0).map((p) => p.dispose()));
});

/** Two images in one run: `good` builds with the recorder, `bad` fails in the breaker. */
async function twoImageProject(): Promise<string> {
  const spec = (name: string, builder: string) =>
    `name: ${name}\nbaseImage: busybox:1.36\nbuilder: ${builder}\ncommands:\n  - echo ${name} > /f\n`;
  const p = await tempProject({
    'good.yaml': spec('good', 'recorder'),
    'bad.yaml': spec('bad', 'breaker'),
    'imagespec.config.mjs': "export default { builders: ['./recorder.mjs', './breaker.mjs'] };\n",
    'recorder.mjs': recordingBuilder(),
    'breaker.mjs': recordingBuilder({ name: 'breaker', fail: true }),
  });
  projects.push(p);
  return p.dir;
}

describe('build --metadata-file and GitHub Actions outputs', () => {
  it('--metadata-file in a folder that does not exist: exit 2 before anything is built', async () => {
    const dir = await twoImageProject();
    const r = await runBin(['build', 'good.yaml', '--metadata-file', 'out/meta.json'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--metadata-file out/meta.json');
    expect(r.stderr).toContain(join(dir, 'out'));
    expect(r.stderr).toContain('mkdir -p');
    await expect(readFile(join(dir, 'built-images.txt'), 'utf8')).rejects.toThrow(/ENOENT/);
  });

  it('writes one entry per image, with buildx keys, also when an image failed (exit 1)', async () => {
    const dir = await twoImageProject();
    const r = await runBin(['build', 'good.yaml', 'bad.yaml', '--metadata-file', 'meta.json'], { cwd: dir });
    expect(r.code).toBe(1);
    const meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8'));
    expect(Object.keys(meta).sort()).toEqual(['bad', 'good']);
    const built = (await readFile(join(dir, 'built-images.txt'), 'utf8')).trim();
    expect(meta.good).toMatchObject({
      'image.name': built,
      name: 'good',
      image: built,
      tag: built.slice(built.lastIndexOf(':') + 1),
      builder: 'recorder',
      status: 'built',
    });
    expect(meta.good.error).toBeUndefined();
    expect(meta.bad).toMatchObject({ name: 'bad', builder: 'breaker', status: 'failed' });
    expect(meta.bad.error).toMatchObject({ code: 'BUILD_FAILED' });
    expect(meta.bad.error.message).toContain('RUN exploded');
  });

  it('appends step outputs and a summary table when GITHUB_OUTPUT / GITHUB_STEP_SUMMARY are set', async () => {
    const dir = await twoImageProject();
    const output = join(dir, 'gh-output');
    const summary = join(dir, 'gh-summary.md');
    await writeFile(output, 'earlier=kept\n');
    const r = await runBin(['build', 'good.yaml', 'bad.yaml'], {
      cwd: dir,
      env: { GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary },
    });
    expect(r.code).toBe(1);
    const text = await readFile(output, 'utf8');
    expect(text.startsWith('earlier=kept\n')).toBe(true);
    const outputs = parseGithubOutputFile(text);
    const built = (await readFile(join(dir, 'built-images.txt'), 'utf8')).trim();
    expect(outputs['good-image']).toBe(built);
    expect(outputs['good-status']).toBe('built');
    expect(outputs['bad-status']).toBe('failed');
    const images = JSON.parse(outputs.images ?? '');
    expect(images).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'good', image: built, status: 'built', builder: 'recorder' }),
        expect.objectContaining({ name: 'bad', status: 'failed', builder: 'breaker' }),
      ]),
    );
    const table = await readFile(summary, 'utf8');
    expect(table).toContain('| Image | Status | Builder | Digest | Duration |');
    expect(table).toContain(`| \`${built}\` | built | recorder | - | `);
    expect(table).toMatch(/\| failed: RUN exploded in [^|\n]+ \| breaker \|/);
  });

  it('writes no GitHub files when the variables are unset', async () => {
    const dir = await twoImageProject();
    const r = await runBin(['build', 'good.yaml'], { cwd: dir });
    expect(r.code).toBe(0);
    // Only the builder's own records appear: no output or summary file, no temp file.
    const files = await readdir(dir);
    expect(files.filter((f) => !/^(good|bad)\.yaml$|^imagespec\.config\.mjs$|\.mjs$|^built-/.test(f))).toEqual([]);
    expect(r.stdout).not.toContain('<<ghadelimiter_');
  });
});

/** Reads the file as the runner does: `name=value` lines and `name<<DELIM ... DELIM` blocks. */
function parseGithubOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name = '', delimiter] = heredoc;
      const end = lines.indexOf(delimiter ?? '', i + 1);
      expect(end).toBeGreaterThan(i);
      out[name] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (line.includes('=')) {
      out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return out;
}
