import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BuilderEvent, BuilderHost, BuildRequest, ResolvedImageSpec } from '@imagespec/core';
import { AUTH_PASSWORD, AUTH_USER, testEnv } from '@imagespec/test-env';
import { pack } from 'tar-stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createBuildkitBuilder } from './buildctl-builder.js';
import { buildkitOptionsSchema } from './options.js';

/**
 * The whole flow against a REAL buildkitd: build and push to the test registry, rebuild
 * with the steps cached, a failing RUN, a push that needs credentials. Runs when
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

function buildRequest(image: string, dockerfile: string): BuildRequest & { emitted: BuilderEvent[] } {
  const emitted: BuilderEvent[] = [];
  return {
    spec: { name: 'bk-e2e', registry: image.split('/')[0] } as ResolvedImageSpec,
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
});
