/**
 * Against a REAL Kubernetes cluster, when one is configured: KUBECONFIG, plus a registry the
 * cluster's pods can push to (IMAGESPEC_KANIKO_REGISTRY, e.g. `registry.ci.svc:5000/imagespec`)
 * and a base image they can pull (IMAGESPEC_KANIKO_BASE_IMAGE). Optional:
 * IMAGESPEC_KANIKO_NAMESPACE (default `default`), IMAGESPEC_KANIKO_INSECURE=1 for a plain-HTTP
 * registry, IMAGESPEC_KANIKO_REGISTRY_SECRET (a dockerconfigjson secret),
 * IMAGESPEC_KANIKO_REGISTRY_URL (the same registry as this machine reaches it, e.g.
 * `http://127.0.0.1:5000`: the verify tests then also check the registry itself). Skipped,
 * saying why, when they are missing (these machines have no cluster).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isImagespecError, parseImageRef } from '@imagespec/core';
import { createBuildRequest, runnableDockerfileSpecProject, writeProject } from '@imagespec/core/testing';
import { describe, expect, it, onTestFinished } from 'vitest';
import kaniko from '../src/index.js';
import { resolveKanikoOptions } from '../src/options.js';
import { buildRequest, testHost } from './helpers.js';

const required = ['KUBECONFIG', 'IMAGESPEC_KANIKO_REGISTRY', 'IMAGESPEC_KANIKO_BASE_IMAGE'] as const;
const missing = required.filter((name) => !process.env[name]);
if (missing.length > 0) {
  console.warn(
    `skipped: kaniko real-cluster tests need ${missing.join(', ')} (see the header of kaniko-cluster.e2e.test.ts)`,
  );
}

const env = process.env as Record<string, string>;
const namespace = env.IMAGESPEC_KANIKO_NAMESPACE ?? 'default';
const registry = env.IMAGESPEC_KANIKO_REGISTRY ?? '';
const insecure = env.IMAGESPEC_KANIKO_INSECURE === '1' ? [parseImageRef(`${registry}/x`).registry] : [];

/** The tag's manifest status in the registry, when this machine can reach it (IMAGESPEC_KANIKO_REGISTRY_URL). */
async function manifestStatus(image: string): Promise<number | undefined> {
  const url = env.IMAGESPEC_KANIKO_REGISTRY_URL;
  if (!url) return undefined;
  const ref = parseImageRef(image);
  const response = await fetch(`${url}/v2/${ref.repository}/manifests/${ref.tag}`, {
    method: 'HEAD',
    headers: {
      accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json',
    },
  });
  return response.status;
}

/**
 * A spec that brings its own multi-stage Dockerfile (#12): a build stage, the runtime stage
 * as target, a stage after it that must not be built; build args in FROM and in a RUN; a
 * context with a .dockerignore and a Dockerfile of its own. Verify checks the image from the
 * inside (the cluster's registry may be out of this machine's reach). Core's own request.
 */
async function dockerfileSpecRequest(nonce: string) {
  const dir = await mkdtemp(join(tmpdir(), 'kaniko-dfspec-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const checks = [
    `grep -qx 'hello ${nonce}' /srv/app.txt`,
    'grep -qx from-the-spec /srv/msg.txt',
    'test ! -e /debug.txt',
    'test -f /ctx/Dockerfile',
    'test ! -e /ctx/.imagespec.Dockerfile',
    'test ! -e /ctx/ignored',
    'echo dockerfile-spec-checked',
  ];
  await writeProject(
    dir,
    runnableDockerfileSpecProject({
      key: 'web',
      name: 'kaniko-e2e-dockerfile',
      registry,
      base: env.IMAGESPEC_KANIKO_BASE_IMAGE as string,
      verify: [checks.join(' && ')],
      nonce,
    }),
  );
  return createBuildRequest({ file: join(dir, 'imagespec.yaml') });
}

async function podsLeft(hash: string): Promise<string[]> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  kc.loadFromDefault();
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const list = await core.listNamespacedPod({ namespace, labelSelector: `imagespec.dev/hash=${hash}` });
  return list.items.filter((pod) => !pod.metadata?.deletionTimestamp).map((pod) => pod.metadata?.name ?? '');
}

describe.skipIf(missing.length > 0)('kaniko builder on a real cluster', () => {
  const builder = () =>
    kaniko.create(
      resolveKanikoOptions({
        namespace,
        insecureRegistries: insecure,
        ...(env.IMAGESPEC_KANIKO_REGISTRY_SECRET ? { registrySecret: env.IMAGESPEC_KANIKO_REGISTRY_SECRET } : {}),
        pendingTimeoutSeconds: 300,
        buildTimeoutSeconds: 600,
      }),
      testHost({ env: process.env }),
    );

  it('is available', async () => {
    expect(await (await builder()).available()).toEqual({ ok: true });
  });

  it('builds and pushes, returns the digest, and leaves no pod', async () => {
    const tag = `e2e-${Date.now().toString(36)}`;
    const request = buildRequest({
      image: `${registry}/kaniko-e2e:${tag}`,
      files: {
        Dockerfile: `FROM ${env.IMAGESPEC_KANIKO_BASE_IMAGE}\nCOPY app.txt /app/\nRUN echo built-by-kaniko\n`,
        'app.txt': 'app content\n',
      },
    });
    const result = await (await builder()).build(request);
    expect(result.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(request.emitted.some((event) => event.type === 'log' && event.line === 'built-by-kaniko')).toBe(true);
    expect(await podsLeft(request.hash)).toEqual([]);
  }, 900_000);

  it('fails with the failing step, and leaves no pod', async () => {
    const request = buildRequest({
      image: `${registry}/kaniko-e2e:failing`,
      files: { Dockerfile: `FROM ${env.IMAGESPEC_KANIKO_BASE_IMAGE}\nRUN echo about to fail; exit 3\n` },
    });
    const error = await (await builder()).build(request).catch((e: unknown) => e);
    expect(isImagespecError(error) && error.code).toBe('BUILD_FAILED');
    expect(isImagespecError(error) && error.message).toContain('RUN echo about to fail; exit 3');
    expect(await podsLeft(request.hash)).toEqual([]);
  }, 900_000);

  it('verify: a verify pod runs the commands in the built image, then the image pod pushes; no pod left', async () => {
    const tag = `e2e-verified-${Date.now().toString(36)}`;
    const request = buildRequest({
      image: `${registry}/kaniko-e2e:${tag}`,
      files: {
        Dockerfile: `FROM ${env.IMAGESPEC_KANIKO_BASE_IMAGE}\nCOPY app.txt /app/\n`,
        'app.txt': 'app content\n',
      },
      verify: ['echo verifying-in-kaniko; grep -q "app content" /app/app.txt'],
    });
    const result = await (await builder()).build(request);
    expect(result.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    // The verify pod's output, under its own step ids; then the image pod's steps.
    expect(request.emitted).toContainEqual(
      expect.objectContaining({ type: 'log', line: 'verifying-in-kaniko', step: expect.stringMatching(/^verify-/) }),
    );
    expect(request.emitted.some((event) => event.type === 'step' && !event.id.startsWith('verify-'))).toBe(true);
    const status = await manifestStatus(request.image);
    if (status !== undefined) expect(status).toBe(200);
    expect(await podsLeft(request.hash)).toEqual([]);
  }, 900_000);

  it('verify: a failing command fails the build with its output, the image pod never runs, no pod left', async () => {
    const tag = `e2e-unverified-${Date.now().toString(36)}`;
    const request = buildRequest({
      image: `${registry}/kaniko-e2e:${tag}`,
      files: { Dockerfile: `FROM ${env.IMAGESPEC_KANIKO_BASE_IMAGE}\nRUN echo built > /built\n` },
      verify: ['test -f /built', 'echo checking-in-kaniko; exit 4'],
    });
    const error = await (await builder()).build(request).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'VERIFY_FAILED',
      details: { command: 'echo checking-in-kaniko; exit 4', exitCode: 4, output: ['checking-in-kaniko'] },
    });
    // Every step came from the verify pod: the image pod, the only one that pushes, never ran.
    expect(
      request.emitted.filter((event) => event.type === 'step').every((event) => event.id.startsWith('verify-')),
    ).toBe(true);
    const status = await manifestStatus(request.image);
    if (status !== undefined) expect(status).toBe(404);
    expect(await podsLeft(request.hash)).toEqual([]);
  }, 900_000);
  it('a spec that brings its own multi-stage Dockerfile: the target built with the build args, verified from the inside, pushed; no pod left', async () => {
    const nonce = Date.now().toString(36);
    const { request, events } = await dockerfileSpecRequest(nonce);
    const result = await (await builder()).build(request);
    expect(result.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'log',
        line: 'dockerfile-spec-checked',
        step: expect.stringMatching(/^verify-/),
      }),
    );
    // The stage after the target is never built.
    expect(events.some((event) => event.type === 'step' && event.name.includes('/debug.txt'))).toBe(false);
    const status = await manifestStatus(request.image);
    if (status !== undefined) expect(status).toBe(200);
    expect(await podsLeft(request.hash)).toEqual([]);
  }, 900_000);
});
