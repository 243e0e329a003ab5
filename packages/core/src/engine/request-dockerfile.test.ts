import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import tarStream from 'tar-stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { BuildRequest } from '../contract/builder.js';
import type { ImageSpecInput } from '../contract/spec.js';
import { renderVerifyStage } from '../dockerfile/verify-stage.js';
import { createRegistryAccess } from '../registry/access.js';
import { normalizeSpec } from '../spec/normalize.js';
import { writeProject } from '../testing.js';
import { planBuilds } from './plan.js';
import { buildRequest } from './request.js';

const DIGEST = `sha256:${'b'.repeat(64)}`;
const USER_DOCKERFILE = 'ARG BASE=busybox:1.36\nFROM ${BASE} AS build\nRUN make\nFROM build AS runtime\nCOPY . /ctx\n';

let dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  dirs = [];
});

async function requestFor(
  files: Record<string, string>,
  input: Partial<ImageSpecInput> = {},
  mirror?: (reference: string) => string,
) {
  const dir = await mkdtemp(join(tmpdir(), 'imagespec-request-dockerfile-'));
  dirs.push(dir);
  await writeProject(dir, files);
  const spec = normalizeSpec({ name: 'web', dockerfile: 'Dockerfile', verify: ['true'], ...input }, { dir });
  const lock = { 'docker.io/library/busybox:1.36': `docker.io/library/busybox:1.36@${DIGEST}` };
  const [planned] = await planBuilds([spec], { resolveBase: (ref) => lock[ref as keyof typeof lock] ?? ref });
  const request = buildRequest(planned!, {
    baseImage: planned!.identity.baseImage,
    push: false,
    signal: new AbortController().signal,
    emit: () => {},
    ...(mirror && { mirror }),
  });
  return { dir, request };
}

async function tarEntries(stream: NodeJS.ReadableStream): Promise<[string, string][]> {
  const extract = tarStream.extract();
  const entries: [string, string][] = [];
  const done = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      entries.push([entry.header.name, Buffer.concat(chunks).toString('utf8')]);
    }
  })();
  await Promise.all([pipeline(stream, extract), done]);
  return entries;
}

async function syncPaths(request: BuildRequest): Promise<string[]> {
  const paths: string[] = [];
  for await (const entry of request.contextEntries!()) paths.push(entry.path);
  return paths;
}

// Issue 12: what a builder gets for a spec that brings its own Dockerfile.
describe('buildRequest for a Dockerfile spec', () => {
  it('gives the user’s Dockerfile pinned, target named, the image stage last; verify goes after it', async () => {
    const { request } = await requestFor({ Dockerfile: USER_DOCKERFILE }, { target: 'build' });
    const dockerfile = request.dockerfile('buildkit');
    expect(request.dockerfile('plain')).toBe(dockerfile);
    expect(dockerfile).toBe(
      `ARG BASE=busybox:1.36\nFROM docker.io/library/busybox:1.36@${DIGEST} AS build\nRUN make\nFROM build AS runtime\nCOPY . /ctx\nFROM build AS imagespec-image\nLABEL dev.imagespec.hash="${request.hash}"\n`,
    );
    expect(renderVerifyStage(dockerfile, request.spec)).toBe(
      `${dockerfile}FROM imagespec-image AS imagespec-verify\nRUN true\n`,
    );
    expect(request.baseImage).toBe(`docker.io/library/busybox:1.36@${DIGEST}`);
  });

  it('lists every image the target’s stages pull, pinned, for the builder’s credentials', async () => {
    const dockerfile = `${USER_DOCKERFILE}COPY --from=registry.example:5000/tools/gcc:13 /bin/gcc /bin/gcc\n`;
    const { request } = await requestFor({ Dockerfile: dockerfile }, { target: 'runtime' });
    expect(request.pulls).toEqual([`docker.io/library/busybox:1.36@${DIGEST}`, 'registry.example:5000/tools/gcc:13']);
  });

  it('pulls each image through the configured registry mirrors, after pinning', async () => {
    const access = createRegistryAccess({ env: {}, mirrors: { 'docker.io': '127.0.0.1:5001/hub' } });
    const dockerfile = `${USER_DOCKERFILE}COPY --from=registry.example:5000/tools/gcc:13 /bin/gcc /bin/gcc\n`;
    const { request } = await requestFor({ Dockerfile: dockerfile }, { target: 'runtime' }, (ref) =>
      access.mirror(ref),
    );
    expect(request.pulls).toEqual([
      `127.0.0.1:5001/hub/library/busybox:1.36@${DIGEST}`,
      'registry.example:5000/tools/gcc:13',
    ]);
    expect(request.dockerfile('buildkit')).toContain(
      `FROM 127.0.0.1:5001/hub/library/busybox:1.36@${DIGEST} AS build\n`,
    );
  });

  it('sends the context as it is, its own Dockerfile untouched; ours travels beside it, listed in .dockerignore', async () => {
    const files = { Dockerfile: USER_DOCKERFILE, '.dockerignore': '*.log', 'a.txt': 'a\n', 'x.log': 'x\n' };
    const { request } = await requestFor(files);
    expect(request.dockerfilePath).toBe('.imagespec.Dockerfile');
    expect(await tarEntries(request.context({ dialect: 'buildkit' }))).toEqual([
      ['.imagespec.Dockerfile', request.dockerfile('buildkit')],
      ['.dockerignore', '*.log\n.imagespec.Dockerfile\n'],
      ['Dockerfile', USER_DOCKERFILE],
      ['a.txt', 'a\n'],
    ]);
    // The context alone, exactly: as the file sync sends it.
    expect(await tarEntries(request.context({ dialect: 'buildkit', dockerfile: false }))).toEqual([
      ['.dockerignore', '*.log'],
      ['Dockerfile', USER_DOCKERFILE],
      ['a.txt', 'a\n'],
    ]);
    expect(await syncPaths(request)).toEqual(['.dockerignore', 'Dockerfile', 'a.txt']);
  });

  it('without a .dockerignore in the context, adds one that lists itself and our Dockerfile', async () => {
    const { request } = await requestFor(
      { 'svc/Dockerfile': USER_DOCKERFILE, 'svc/a.txt': 'a\n' },
      { dockerfile: 'svc/Dockerfile' },
    );
    expect((await tarEntries(request.context({ dialect: 'plain' }))).map(([name]) => name)).toEqual([
      '.imagespec.Dockerfile',
      'Dockerfile',
      'a.txt',
      '.dockerignore',
    ]);
    const entries = new Map(await tarEntries(request.context({ dialect: 'plain' })));
    expect(entries.get('.dockerignore')).toBe('.dockerignore\n.imagespec.Dockerfile\n');
  });

  it('a context file changed after the tag was computed fails the context with CONTEXT_CHANGED', async () => {
    const { dir, request } = await requestFor({ Dockerfile: USER_DOCKERFILE, 'a.txt': 'a\n' });
    await writeFile(join(dir, 'a.txt'), 'b\n');
    await expect(tarEntries(request.context({ dialect: 'buildkit' }))).rejects.toMatchObject({
      code: 'CONTEXT_CHANGED',
    });
    const readAll = async () => {
      for await (const entry of request.contextEntries!()) for await (const _ of entry.read?.() ?? []);
    };
    await expect(readAll()).rejects.toMatchObject({ code: 'CONTEXT_CHANGED' });
  });
});
