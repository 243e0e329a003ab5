import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BuilderEvent, BuilderHost, BuildRequest, ResolvedImageSpec } from '@imagespec/core';
import { createBuildRequest, runnableDockerfileSpecProject, writeProject } from '@imagespec/core/testing';
import { AUTH_PASSWORD, AUTH_USER, testEnv } from '@imagespec/test-env';
import { pack } from 'tar-stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createBuildkitBuilder } from './buildctl-builder.js';
import { buildkitOptionsSchema } from './options.js';

/**
 * The whole flow against a REAL buildkitd: build and push to the test registry, rebuild
 * with the steps cached, a failing RUN, a push that needs credentials, a spec that brings
 * its own multi-stage Dockerfile (pulled and run on the test engine afterwards). Runs when
 * BUILDKIT_HOST is set and buildctl is on PATH. The daemon must reach the test registries
 * on 127.0.0.1 (a daemon on this machine, e.g. `buildkitd --addr unix:///run/buildkit/buildkitd.sock`
 * with `[registry."127.0.0.1:5000"] http = true` and the same for 5001 in its buildkitd.toml).
 */

const buildctlOnPath = spawnSync('buildctl', ['--version'], { stdio: 'ignore' }).status === 0;
const skipReason = !process.env.BUILDKIT_HOST
  ? 'BUILDKIT_HOST is not set'
  : !buildctlOnPath
    ? 'buildctl is not on PATH'
    : undefined;
if (skipReason) {
  console.warn(
    `skipped: builder-buildkit e2e tests against a real buildkitd (${skipReason}); set BUILDKIT_HOST and put buildctl on PATH to run them`,
  );
}

const TIMEOUT = 300_000;
const temps: string[] = [];
afterAll(() => Promise.all(temps.map((dir) => rm(dir, { recursive: true, force: true }))));

function realHost(): BuilderHost {
  const env = testEnv();
  return {
    logger: { debug: () => {}, info: () => {}, warn: (message) => console.warn(message) },
    registries: {
      credentials: async (host) =>
        host === env.authRegistry.host ? { username: AUTH_USER, password: AUTH_PASSWORD } : undefined,
      insecure: (host) => host.startsWith('127.0.0.1:') || host.startsWith('localhost:'),
      mirror: (reference) => reference,
    },
    cwd: process.cwd(),
    env: process.env,
    async tempDir(prefix = 'imagespec-') {
      const path = await mkdtemp(join(tmpdir(), prefix));
      temps.push(path);
      return { path, dispose: () => rm(path, { recursive: true, force: true }) };
    },
  };
}

function buildRequest(
  image: string,
  dockerfile: string,
  verify: string[] = [],
): BuildRequest & { emitted: BuilderEvent[] } {
  const emitted: BuilderEvent[] = [];
  return {
    spec: {
      name: 'bk-e2e',
      registry: image.split('/')[0],
      verify,
      origin: { dir: process.cwd() },
    } as unknown as ResolvedImageSpec,
    image,
    hash: image.split(':').at(-1) as string,
    baseImage: testEnv().baseImages.busybox,
    push: true,
    platforms: [],
    secrets: [],
    dockerfile: () => dockerfile,
    context: () => {
      const p = pack();
      p.entry({ name: 'Dockerfile', mtime: new Date(0) }, dockerfile);
      p.entry({ name: 'app.txt', mtime: new Date(0) }, 'app content\n');
      p.finalize();
      return p as unknown as NodeJS.ReadableStream;
    },
    events: { emit: (event) => emitted.push(event) },
    signal: new AbortController().signal,
    emitted,
  };
}

const MANIFEST_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/** The pushed image's config (history included), read from the test registry. */
async function pushedConfig(repository: string, tag: string) {
  const { registry } = testEnv();
  const manifest = await fetch(`${registry.url}/v2/${repository}/manifests/${tag}`, {
    headers: { accept: MANIFEST_TYPES },
  });
  if (manifest.status !== 200) return { status: manifest.status };
  const { config } = (await manifest.json()) as { config: { digest: string } };
  const blob = await fetch(`${registry.url}/v2/${repository}/blobs/${config.digest}`);
  return {
    status: 200,
    config: (await blob.json()) as {
      config?: { Cmd?: string[]; Labels?: Record<string, string> };
      history?: { created_by?: string }[];
    },
  };
}

/** The docker CLI against the test engine (to pull and run what buildkitd pushed). */
function docker(...args: string[]): string {
  return execFileSync('docker', ['-H', `unix://${testEnv().dockerSocket}`, ...args], { encoding: 'utf8' });
}

/**
 * A spec that brings its own Dockerfile (#12): a build stage and a runtime stage (the
 * target), a build arg in FROM and one the build stage uses, a stage after the target that
 * must not be built; its context has a .dockerignore, a Dockerfile of its own, and a file
 * the ignore file leaves out. The request is core's own (createBuildRequest).
 */
async function dockerfileSpecRequest(nonce: string, verify: readonly string[]) {
  const { registry, baseImages } = testEnv();
  const dir = await mkdtemp(join(tmpdir(), 'imagespec-bk-dfspec-'));
  temps.push(dir);
  await writeProject(
    dir,
    runnableDockerfileSpecProject({
      key: 'web',
      name: 'imagespec-e2e/bk-dockerfile',
      registry: registry.host,
      base: baseImages.busybox,
      verify,
      nonce,
    }),
  );
  return createBuildRequest({ file: join(dir, 'imagespec.yaml') });
}

const statusOf = (events: readonly BuilderEvent[], namePart: string) =>
  events
    .filter((event) => event.type === 'step' && event.name.includes(namePart))
    .map((event) => event.type === 'step' && event.status);

describe.skipIf(skipReason)('buildkit builder against a real buildkitd', () => {
  const nonce = randomBytes(6).toString('hex');
  const dockerfile = [
    'FROM BASE',
    `RUN echo building-${nonce}; echo to-stderr >&2; mkdir -p /app`,
    'COPY app.txt /app/',
    'CMD ["cat", "/app/app.txt"]',
    '',
  ].join('\n');

  it(
    'is available',
    async () => {
      const builder = createBuildkitBuilder(buildkitOptionsSchema.parse({}), realHost());
      expect(await builder.available()).toEqual({ ok: true });
    },
    TIMEOUT,
  );

  it(
    'builds and pushes, then rebuilds from cache with the steps cached',
    async () => {
      const { registry, baseImages } = testEnv();
      const options = buildkitOptionsSchema.parse({ cache: { type: 'registry' } });
      const builder = createBuildkitBuilder(options, realHost());
      const text = dockerfile.replace('BASE', baseImages.busybox);

      const first = buildRequest(`${registry.host}/imagespec-e2e/bk-app:${nonce}a`, text);
      const result = await builder.build(first);
      expect(result.pushed).toBe(true);
      expect(result.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(statusOf(first.emitted, `RUN echo building-${nonce}`)).toEqual(['started', 'done']);
      expect(first.emitted).toContainEqual(
        expect.objectContaining({ type: 'log', stream: 'stdout', line: `building-${nonce}` }),
      );

      const head = await fetch(`${registry.url}/v2/imagespec-e2e/bk-app/manifests/${nonce}a`, {
        method: 'HEAD',
        headers: { accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json' },
      });
      expect(head.status).toBe(200);
      expect(head.headers.get('docker-content-digest')).toBe(result.digest);

      const again = buildRequest(`${registry.host}/imagespec-e2e/bk-app:${nonce}b`, text);
      await builder.build(again);
      // BuildKit may announce a step as started before it finds the cache hit; it never runs it.
      const rebuilt = statusOf(again.emitted, `RUN echo building-${nonce}`);
      expect(rebuilt).toContain('cached');
      expect(rebuilt).not.toContain('done');
      expect(again.emitted).not.toContainEqual(expect.objectContaining({ type: 'log', line: `building-${nonce}` }));
    },
    TIMEOUT,
  );

  it(
    'a failing RUN rejects with the step, its exit code and its last output',
    async () => {
      const { registry, baseImages } = testEnv();
      const builder = createBuildkitBuilder(buildkitOptionsSchema.parse({}), realHost());
      const request = buildRequest(
        `${registry.host}/imagespec-e2e/bk-bad:${nonce}`,
        `FROM ${baseImages.busybox}\nRUN echo about to fail-${nonce}; exit 3\n`,
      );
      await expect(builder.build(request)).rejects.toMatchObject({
        code: 'BUILD_FAILED',
        details: { stepExitCode: 3, lastLogLines: [`about to fail-${nonce}`] },
      });
    },
    TIMEOUT,
  );

  it(
    'verify: the commands run in the built image before the push, and the image pushed is the image stage',
    async () => {
      const { registry, baseImages } = testEnv();
      const builder = createBuildkitBuilder(buildkitOptionsSchema.parse({}), realHost());
      const request = buildRequest(
        `${registry.host}/imagespec-e2e/bk-verified:${nonce}`,
        dockerfile.replace('BASE', baseImages.busybox),
        [`echo verifying-${nonce}; test -f /app/app.txt`, 'grep -q "app content" /app/app.txt'],
      );
      expect(await builder.build(request)).toMatchObject({ pushed: true });
      expect(request.emitted).toContainEqual(
        expect.objectContaining({ type: 'log', stream: 'stdout', line: `verifying-${nonce}` }),
      );
      const pushed = await pushedConfig('imagespec-e2e/bk-verified', nonce);
      expect(pushed.status).toBe(200);
      expect(pushed.config?.config?.Cmd).toEqual(['cat', '/app/app.txt']);
      // Nothing of the verify stage is in the image: its history ends with the image's own steps.
      const history = (pushed.config?.history ?? []).map((entry) => entry.created_by ?? '');
      expect(history.some((line) => line.includes('verifying-') || line.includes('grep -q'))).toBe(false);
      expect(history.some((line) => line.includes(`building-${nonce}`))).toBe(true);
    },
    TIMEOUT,
  );

  it(
    'verify: a failing command fails the build with its output, and nothing is pushed under the tag',
    async () => {
      const { registry, baseImages } = testEnv();
      const builder = createBuildkitBuilder(buildkitOptionsSchema.parse({}), realHost());
      const failing = `echo checking-${nonce}; exit 4`;
      const request = buildRequest(
        `${registry.host}/imagespec-e2e/bk-unverified:${nonce}`,
        `FROM ${baseImages.busybox}\nRUN echo built-${nonce} > /built\n`,
        ['test -f /built', failing],
      );
      const error = await builder.build(request).catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: 'VERIFY_FAILED',
        details: { command: failing, exitCode: 4, output: [`checking-${nonce}`] },
      });
      expect((await pushedConfig('imagespec-e2e/bk-unverified', nonce)).status).toBe(404);
    },
    TIMEOUT,
  );

  it(
    'pushes to a registry that needs credentials through a private DOCKER_CONFIG',
    async () => {
      const { authRegistry, baseImages } = testEnv();
      const builder = createBuildkitBuilder(buildkitOptionsSchema.parse({}), realHost());
      const request = buildRequest(
        `${authRegistry.host}/imagespec-e2e/bk-auth:${nonce}`,
        `FROM ${baseImages.busybox}\nRUN echo auth-${nonce} > /auth\n`,
      );
      expect(await builder.build(request)).toMatchObject({ pushed: true, digest: expect.stringMatching(/^sha256:/) });
    },
    TIMEOUT,
  );
  it(
    'a spec that brings its own multi-stage Dockerfile: the target stage built with the build args, verified, pushed, then pulled and run',
    async () => {
      const builder = createBuildkitBuilder(buildkitOptionsSchema.parse({}), realHost());
      const { request, events } = await dockerfileSpecRequest(nonce, ['test -s /srv/app.txt']);
      const result = await builder.build(request);
      expect(result).toMatchObject({ image: request.image, pushed: true, digest: expect.stringMatching(/^sha256:/) });
      expect(events.some((event) => event.type === 'step' && event.name.includes('imagespec-verify'))).toBe(true);

      const tag = request.image.split(':').at(-1) as string;
      const pushed = await pushedConfig('imagespec-e2e/bk-dockerfile', tag);
      expect(pushed.status).toBe(200);
      expect(pushed.config?.config?.Labels?.['dev.imagespec.hash']).toBe(request.hash);
      expect(pushed.config?.config?.Cmd).toEqual(['cat', '/srv/app.txt']);
      const history = (pushed.config?.history ?? []).map((entry) => entry.created_by ?? '');
      expect(history.some((line) => line.includes('debug') || line.includes('test -s'))).toBe(false);

      docker('pull', request.image);
      try {
        const ran = docker(
          'run',
          '--rm',
          '--network',
          'none',
          request.image,
          'sh',
          '-c',
          ['cat /srv/app.txt /srv/msg.txt', 'ls -A /ctx', 'test ! -e /debug.txt && echo no-debug-stage'].join('; '),
        );
        const lines = ran.trim().split('\n');
        expect(lines.slice(0, 2)).toEqual([`hello ${nonce}`, 'from-the-spec']);
        // The context as docker build sends it: the user's Dockerfile and .dockerignore, no ignored folder, nothing of imagespec's.
        expect(lines.slice(2, -1).sort()).toEqual(['.dockerignore', 'Dockerfile', 'docker', 'imagespec.yaml', 'src']);
        expect(lines.at(-1)).toBe('no-debug-stage');
      } finally {
        docker('rmi', '-f', request.image);
      }
    },
    TIMEOUT,
  );

  it(
    'a spec that brings its own Dockerfile: a failing verify command fails the build and leaves no tag',
    async () => {
      const builder = createBuildkitBuilder(buildkitOptionsSchema.parse({}), realHost());
      const failing = `echo checking-${nonce}; exit 4`;
      const { request } = await dockerfileSpecRequest(`${nonce}-unverified`, ['test -s /srv/app.txt', failing]);
      await expect(builder.build(request)).rejects.toMatchObject({
        code: 'VERIFY_FAILED',
        details: { command: failing, exitCode: 4, output: [`checking-${nonce}`] },
      });
      const tag = request.image.split(':').at(-1) as string;
      expect((await pushedConfig('imagespec-e2e/bk-dockerfile', tag)).status).toBe(404);
    },
    TIMEOUT,
  );
});
