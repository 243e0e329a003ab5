import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageSpecInput } from '../contract/spec.js';
import { computeDockerfileHashInput } from '../dockerfile-spec/hash-input.js';
import { normalizeSpec } from '../spec/normalize.js';
import { writeProject } from '../testing.js';
import { canonicalJson } from './canonical-json.js';
import { renderExplain } from './explain.js';
import { hashOf } from './hash.js';
import { computeImageIdentity } from './identity.js';

/*
 * GOLDEN VECTORS for specs that bring their own Dockerfile (issue 12). As in golden.test.ts,
 * these literals pin the tag of every such image: change one only with a new hash input
 * version, never to make a test pass.
 */

const sha = (char: string) => char.repeat(64);

describe('golden hash vectors: Dockerfile specs (fixed facts)', () => {
  it('pins the input and its encoding', () => {
    const spec = normalizeSpec(
      {
        name: 'web',
        registry: 'localhost:5000/team',
        dockerfile: 'svc/Dockerfile',
        target: 'Runtime',
        buildArgs: { NODE: 22, MODE: 'prod' },
        platform: 'linux/amd64',
        labels: { team: 'web' },
        verify: ['node --version'],
      },
      { dir: '/golden' },
    );
    const input = computeDockerfileHashInput(spec, {
      dockerfileSha256: sha('d'),
      contextDigest: sha('c'),
      images: [
        'docker.io/library/node:22',
        `docker.io/library/busybox:1.36@sha256:${sha('b')}`,
        'docker.io/library/node:22',
      ],
    });
    expect(canonicalJson(input)).toBe(
      `{"buildArgs":{"MODE":"prod","NODE":"22"},"context":"${sha('c')}","dockerfile":"${sha('d')}","images":["docker.io/library/busybox:1.36@sha256:${sha('b')}","docker.io/library/node:22"],"kind":"dockerfile","labels":{"team":"web"},"platforms":["linux/amd64"],"target":"runtime","v":"imagespec/1","verify":["node --version"]}`,
    );
    expect(hashOf(input)).toBe('7zbz23ift7jpniodhhh6zeijsv');
  });
});

let work: string;
const DOCKERFILE = [
  'ARG BASE=busybox:1.36',
  'FROM ${BASE} AS build',
  'COPY src/ /src/',
  'FROM alpine:3.20 AS runtime',
  'COPY --from=build /src /app',
  'FROM runtime AS debug',
  'COPY --from=docker.io/library/python:3.12-slim /usr/local/bin/python3 /python3',
  '',
].join('\n');

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'imagespec-golden-dockerfile-'));
  const files: Record<string, string> = {
    'svc/Dockerfile': DOCKERFILE,
    'svc/.dockerignore': '*.log\n',
    'svc/src/main.txt': 'hello\n',
    'svc/notes.log': 'noise\n',
    'own/Dockerfile': DOCKERFILE,
    'own/Dockerfile.dockerignore': 'src/extra.txt\n',
    'own/.dockerignore': '*\n',
    'own/src/main.txt': 'hello\n',
    'own/src/extra.txt': 'left out\n',
  };
  await writeProject(work, files);
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function treeHash(input: Omit<ImageSpecInput, 'name'>, lock: Record<string, string> = {}): Promise<string> {
  const spec = normalizeSpec({ name: 'web', ...input }, { dir: work });
  const identity = await computeImageIdentity(spec, { resolveBase: (ref) => lock[ref] ?? ref, statCache: false });
  return identity.hash;
}

const TREE_VECTORS: Record<string, () => Promise<string>> = {
  'the last stage, its default ARG': () => treeHash({ dockerfile: 'svc/Dockerfile' }),
  'a target and a build arg in FROM': () =>
    treeHash({ dockerfile: 'svc/Dockerfile', target: 'runtime', buildArgs: { BASE: 'busybox:1.37' } }),
  'a locked image': () =>
    treeHash(
      { dockerfile: 'svc/Dockerfile', target: 'runtime' },
      { 'docker.io/library/alpine:3.20': `docker.io/library/alpine:3.20@sha256:${sha('a')}` },
    ),
  '<Dockerfile>.dockerignore over the context’s': () => treeHash({ dockerfile: 'own/Dockerfile' }),
  'a context above the Dockerfile': () => treeHash({ dockerfile: 'svc/Dockerfile', context: '.' }),
};

const TREE_GOLDEN: Record<string, string> = {
  'the last stage, its default ARG': 'fybsnld3y4qs7itioa55ug3zrh',
  'a target and a build arg in FROM': '7e72cf4uovhbryxyaqjn3hl6uq',
  'a locked image': 'durw2uyjbjte6xvmzjwisguuf5',
  '<Dockerfile>.dockerignore over the context’s': 'oj627zbdmpqu566yy5vmquigtj',
  'a context above the Dockerfile': 'psk3l5gfb4fhdipm7i73nkd5aw',
};

describe('golden hash vectors: Dockerfile specs (real file trees)', () => {
  it.each(Object.keys(TREE_VECTORS))('%s', async (name) => {
    expect(await TREE_VECTORS[name]!()).toBe(TREE_GOLDEN[name]);
  });
});

describe('what a Dockerfile spec hashes', () => {
  it('the context as Docker reads it: <Dockerfile>.dockerignore instead of .dockerignore; the images the target needs', async () => {
    const own = await computeImageIdentity(
      normalizeSpec({ name: 'web', dockerfile: 'own/Dockerfile' }, { dir: work }),
      {
        statCache: false,
      },
    );
    expect(own.files.context?.files.map((file) => file.path)).toEqual([
      '.dockerignore',
      'Dockerfile',
      'Dockerfile.dockerignore',
      'src',
      'src/main.txt',
    ]);
    expect(own.files.context?.dockerignore).toBe(join(work, 'own/Dockerfile.dockerignore'));
    expect(own.input).toMatchObject({
      images: ['docker.io/library/alpine:3.20', 'docker.io/library/busybox:1.36', 'docker.io/library/python:3.12-slim'],
    });
    const runtime = await computeImageIdentity(
      normalizeSpec({ name: 'web', dockerfile: 'svc/Dockerfile', target: 'runtime' }, { dir: work }),
      { statCache: false },
    );
    expect(runtime.input).toMatchObject({
      images: ['docker.io/library/alpine:3.20', 'docker.io/library/busybox:1.36'],
    });
    expect(runtime.files.context?.files.map((file) => file.path)).toEqual([
      '.dockerignore',
      'Dockerfile',
      'src',
      'src/main.txt',
    ]);
    expect(runtime.baseImage).toBe('docker.io/library/alpine:3.20');
    const explained = renderExplain(runtime);
    expect(explained).toContain(`dockerfile  ${join(work, 'svc/Dockerfile')}  sha256 `);
    expect(explained).toContain(`ignore file: ${join(work, 'svc/.dockerignore')}`);
    expect(explained).toMatch(/\.dockerignore:1 `\*\.log` +1 +notes\.log/);
    expect(explained).toContain(`${join(work, 'svc/Dockerfile')}:4  FROM docker.io/library/alpine:3.20  (not locked)`);
  });
});
