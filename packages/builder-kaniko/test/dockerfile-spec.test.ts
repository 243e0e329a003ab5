/**
 * A spec that brings its own Dockerfile (#12), through core's own build request, built by
 * the Kaniko builder against the stand-in API server (fake-kube-api-server.ts): what the
 * executor is told and the context it receives. A real cluster's side is in
 * kaniko-cluster.e2e.test.ts.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BuildRequest } from '@imagespec/core/builder';
import { createBuildRequest, dockerfileSpecProject, writeProject } from '@imagespec/core/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import kaniko from '../src/index.js';
import { resolveKanikoOptions } from '../src/options.js';
import { FakeKubeApiServer, type Scenario } from './fake-kube-api-server.js';
import { KANIKO_FIXTURES, readContext, testHost, writeKubeconfig } from './helpers.js';

const fixture = (name: string) => readFileSync(`${KANIKO_FIXTURES}${name}`, 'utf8').replace(/\n$/, '').split('\n');
const DIGEST = readFileSync(`${KANIKO_FIXTURES}digest-file`, 'utf8').trim();
const SUCCESS: Scenario = { logLines: fixture('build-success.log'), terminationMessage: DIGEST, captureStdin: true };

let fake: FakeKubeApiServer;
let kubeconfig: { path: string; dispose(): Promise<void> };
let root: string;
beforeAll(async () => {
  fake = await FakeKubeApiServer.start();
  kubeconfig = await writeKubeconfig(fake.kubeconfig());
  root = await mkdtemp(join(tmpdir(), 'kaniko-dfspec-'));
});
afterAll(async () => {
  await fake.close();
  await kubeconfig.dispose();
  await rm(root, { recursive: true, force: true });
});
afterEach(() => {
  expect([...fake.pods.keys()]).toEqual([]);
  fake.scenario = {};
});

const builder = () => kaniko.create(resolveKanikoOptions({ kubeconfig: kubeconfig.path, namespace: 'ci' }), testHost());

/** A project whose spec builds docker/app.Dockerfile's runtime stage, with a build arg in FROM. */
async function dockerfileSpec(verify: readonly string[] = []) {
  const dir = await mkdtemp(join(root, 'project-'));
  const files = dockerfileSpecProject({
    key: 'app',
    name: 'fx/app',
    registry: 'localhost:5000',
    base: 'localhost:5000/busybox:1',
    verify,
  });
  await writeProject(dir, files);
  return { dir, files, ...(await createBuildRequest({ file: join(dir, 'imagespec.yaml') })) };
}

const argsOf = (pod: (typeof fake.created)[number]) =>
  (pod.manifest.spec.containers[0] as unknown as { args: string[] }).args;

async function entryPaths(request: BuildRequest): Promise<string[]> {
  const paths: string[] = [];
  for await (const entry of request.contextEntries?.() ?? []) if (entry.kind !== 'dir') paths.push(entry.path);
  return paths;
}

describe('kaniko builder: a spec that brings its own Dockerfile', () => {
  it('sends the context with the Dockerfile at .imagespec.Dockerfile, listed in .dockerignore, the user’s files untouched', async () => {
    fake.scenario = SUCCESS;
    const before = fake.created.length;
    const { dir, files, request } = await dockerfileSpec();
    expect(await (await builder()).build(request)).toEqual({ image: request.image, digest: DIGEST, pushed: true });

    const [pod, ...more] = fake.created.slice(before);
    expect(more).toEqual([]);
    // The whole Dockerfile: its last stage is the image, so no --target.
    expect(argsOf(pod!)).toContain('--dockerfile=.imagespec.Dockerfile');
    expect(argsOf(pod!).filter((arg) => arg.startsWith('--target') || arg.startsWith('--build-arg'))).toEqual([]);

    const received = await readContext(pod!.stdin.data!);
    expect(received['.imagespec.Dockerfile']).toBe(request.dockerfile('plain'));
    expect(received['.imagespec.Dockerfile']).toMatch(/\nFROM runtime AS imagespec-image\n/);
    expect(received.Dockerfile).toBe(files.Dockerfile);
    expect(received['docker/app.Dockerfile']).toBe(files['docker/app.Dockerfile']);
    // Kaniko reads the root .dockerignore: the user's lines, then the one that keeps imagespec's file out of the image.
    const userIgnore = await readFile(join(dir, '.dockerignore'), 'utf8');
    expect(received['.dockerignore']?.startsWith(userIgnore)).toBe(true);
    expect(received['.dockerignore']?.split('\n')).toContain('.imagespec.Dockerfile');
    const sent = Object.keys(received).filter((name) => !name.endsWith('/') && name !== '.imagespec.Dockerfile');
    expect(sent.sort()).toEqual((await entryPaths(request)).sort());
    expect(sent).not.toContain('secret.txt');
  });

  it('verify: the verify pod then the image pod read the Dockerfile with the verify stage after the user’s stages', async () => {
    fake.scenario = SUCCESS;
    const before = fake.created.length;
    const { files, request } = await dockerfileSpec(['test -f /srv/built.txt']);
    expect(await (await builder()).build(request)).toMatchObject({ pushed: true });

    const [verify, image, ...more] = fake.created.slice(before);
    expect(more).toEqual([]);
    expect(argsOf(verify!)).toEqual(
      expect.arrayContaining(['--dockerfile=.imagespec.Dockerfile', '--target=imagespec-verify', '--no-push']),
    );
    expect(argsOf(image!)).toEqual(
      expect.arrayContaining(['--dockerfile=.imagespec.Dockerfile', '--target=imagespec-image']),
    );
    expect(argsOf(image!)).not.toContain('--no-push');
    const dockerfile = `${request.dockerfile('plain')}FROM imagespec-image AS imagespec-verify\nRUN test -f /srv/built.txt\n`;
    for (const pod of [verify!, image!]) {
      const received = await readContext(pod.stdin.data!);
      expect(received['.imagespec.Dockerfile']).toBe(dockerfile);
      expect(received.Dockerfile).toBe(files.Dockerfile);
    }
  });

  it('verify: a failing command fails the build, and the image pod (the only one that pushes) never runs', async () => {
    const failing = 'echo about to fail; exit 3';
    // The real recording of that RUN failing, as the verify pod prints it (a step of the verify stage).
    const failedInVerify = fixture('build-failed-json.log').map((line) =>
      line.replace(
        "Building stage 'localhost:5000/busybox:1' [idx: '0', base-idx: '-1']",
        "Building stage 'imagespec-image' [idx: '4', base-idx: '3']",
      ),
    );
    fake.scenario = { logLines: failedInVerify, exitCode: 3, captureStdin: true };
    const before = fake.created.length;
    const { request } = await dockerfileSpec([failing]);
    await expect((await builder()).build(request)).rejects.toMatchObject({
      code: 'VERIFY_FAILED',
      details: { command: failing, exitCode: 3, output: ['about to fail'] },
    });
    const pods = fake.created.slice(before);
    expect(pods.map((pod) => argsOf(pod).find((arg) => arg.startsWith('--target=')))).toEqual([
      '--target=imagespec-verify',
    ]);
  });
});
