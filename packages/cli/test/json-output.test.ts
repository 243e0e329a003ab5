import { describe, expect, it } from 'vitest';
import { runBin, useTempProjects } from './run-bin.js';

const project = useTempProjects();

const DIGEST = `sha256:${'a'.repeat(64)}`;
const SPEC = [
  'images:',
  '  base:',
  `    baseImage: busybox:1.36@${DIGEST}`,
  '    commands: [echo hi > /hi]',
  '  app:',
  '    registry: 127.0.0.1:5000/json',
  '    baseImage: base',
  '    cmd: [cat, /hi]',
].join('\n');

// --json on the commands that print something: one JSON document, nothing else on stdout.
describe('imagespec --json', () => {
  it('tag: name, image, tag and hash of every image, bases first, the same images as plain output', async () => {
    const dir = await project({ 'imagespec.yaml': SPEC });
    const plain = await runBin(['tag'], { cwd: dir });
    const json = await runBin(['tag', '--json'], { cwd: dir });
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as { images: { name: string; image: string; tag: string; hash: string }[] };
    expect(parsed.images.map((image) => image.name)).toEqual(['base', 'app']);
    expect(parsed.images.map((image) => `${image.image}\n`).join('')).toBe(plain.stdout);
    for (const image of parsed.images) {
      expect(image.hash).toMatch(/^[a-z2-7]{26}$/);
      expect(image.image.endsWith(`:${image.tag}`)).toBe(true);
    }
  });

  it('dockerfile: the image, the dialect and the Dockerfile plain output prints', async () => {
    const dir = await project({ 'imagespec.yaml': SPEC });
    const plain = await runBin(['dockerfile', '--dialect', 'plain'], { cwd: dir });
    const json = await runBin(['dockerfile', '--dialect', 'plain', '--json'], { cwd: dir });
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as { name: string; image: string; dialect: string; dockerfile: string };
    expect(parsed).toMatchObject({ name: 'app', dialect: 'plain' });
    expect(parsed.image).toMatch(/^127\.0\.0\.1:5000\/json\/app:[a-z2-7]{26}$/);
    expect(parsed.dockerfile).toBe(plain.stdout);
  });

  it('lock --check: ok and no problems as JSON when every base is pinned by digest', async () => {
    // A base pinned by digest needs no lock entry and no registry: the check is clean offline.
    const dir = await project({ 'imagespec.yaml': SPEC });
    const clean = await runBin(['lock', '--check', '--json'], { cwd: dir });
    expect(clean.code).toBe(0);
    expect(JSON.parse(clean.stdout)).toMatchObject({ ok: true, problems: [] });
  });
});
