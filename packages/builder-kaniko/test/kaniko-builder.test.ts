/**
 * The Kaniko builder with its real Kubernetes access (client-node's Watch, WebSocketHandler
 * and authenticators, kube-config.ts, kube-api.ts) against the stand-in API server
 * (fake-kube-api-server.ts): lifecycle, context streaming, errors, and that the pod is
 * deleted on every path.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type Builder, isImagespecError } from '@imagespec/core';
import { normalizeSpec } from '@imagespec/core/spec';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import kaniko from '../src/index.js';
import { type KanikoOptionsInput, resolveKanikoOptions } from '../src/options.js';
import { FakeKubeApiServer, type Scenario } from './fake-kube-api-server.js';
import { buildRequest, KANIKO_FIXTURES, readContext, testHost, writeKubeconfig } from './helpers.js';

const fixture = (name: string) => readFileSync(`${KANIKO_FIXTURES}${name}`, 'utf8').replace(/\n$/, '').split('\n');
const DIGEST = readFileSync(`${KANIKO_FIXTURES}digest-file`, 'utf8').trim();
const SUCCESS: Scenario = { logLines: fixture('build-success.log'), terminationMessage: DIGEST, captureStdin: true };

let fake: FakeKubeApiServer;
let kubeconfig: { path: string; dispose(): Promise<void> };

beforeAll(async () => {
  fake = await FakeKubeApiServer.start();
  kubeconfig = await writeKubeconfig(fake.kubeconfig());
});
afterAll(async () => {
  await fake.close();
  await kubeconfig.dispose();
});
afterEach(() => {
  // Whatever a test did, the builder must have deleted every pod it created.
  expect([...fake.pods.keys()]).toEqual([]);
  fake.scenario = {};
});

async function builder(options: KanikoOptionsInput = {}, host = testHost()): Promise<Builder> {
  return kaniko.create(resolveKanikoOptions({ kubeconfig: kubeconfig.path, namespace: 'ci', ...options }), host);
}

async function failure(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isImagespecError(error)) throw new Error(`expected an ImagespecError, got ${String(error)}`);
  return error;
}

describe('kaniko builder against the stand-in API server', () => {
  it('builds: streams the gzipped context over v5 attach, follows the log, reads the digest, deletes the pod', async () => {
    fake.scenario = SUCCESS;
    const request = buildRequest();
    const result = await (await builder({ logFormat: 'color' })).build(request);

    expect(result).toEqual({ image: 'localhost:5000/fx/app:3kqabc', digest: DIGEST, pushed: true });
    const pod = fake.created.at(-1)!;
    expect(pod.stdin).toMatchObject({ protocol: 'v5.channel.k8s.io', closedBy: 'close-frame' });
    expect(await readContext(pod.stdin.data!)).toEqual({
      Dockerfile: 'FROM localhost:5000/busybox:1\nCOPY app.txt /app/\n',
      'app.txt': 'app content\n',
    });
    expect(pod.name).toMatch(/^imagespec-kaniko-/);
    expect(fake.deleted).toContain(pod.name);
    const steps = request.emitted.filter((event) => event.type === 'step');
    expect(steps.map((event) => `${event.status} ${event.name}`)).toContain(
      'done RUN echo building-in-kaniko && mkdir -p /app',
    );
    expect(request.emitted).toContainEqual({
      type: 'log',
      stream: 'stdout',
      line: 'building-in-kaniko',
      step: 'step-2',
    });
  });

  it('falls back to v4 attach, where closing the socket ends stdin', async () => {
    fake.scenario = { ...SUCCESS, attachProtocols: ['v4.channel.k8s.io'] };
    const result = await (await builder()).build(buildRequest());
    expect(result.digest).toBe(DIGEST);
    expect(fake.created.at(-1)!.stdin).toMatchObject({ protocol: 'v4.channel.k8s.io', closedBy: 'socket-close' });
  });

  it('survives the server ending its watches', async () => {
    fake.scenario = { ...SUCCESS, lineDelayMs: 5, watchCloseAfterMs: 30 };
    const result = await (await builder()).build(buildRequest());
    expect(result.digest).toBe(DIGEST);
  });

  it('fails with the failing step and the last log lines, and deletes the pod', async () => {
    fake.scenario = { logLines: fixture('build-failed-json.log'), exitCode: 3 };
    const request = buildRequest();
    const error = await failure((await builder()).build(request));
    expect(error.code).toBe('BUILD_FAILED');
    expect(error.message).toContain('at step "RUN echo about to fail; exit 3" (exit code 3');
    expect(error.message).toContain(': error building image: error building stage: failed to execute command');
    expect(error.message).toContain('\nLast log lines:\n');
    expect(error.message).toContain('\n  Running: [/bin/sh -c echo about to fail; exit 3]\n  about to fail\n');
    expect(error.details).toMatchObject({ exitCode: 3, failedStep: 'RUN echo about to fail; exit 3' });
    expect(fake.deleted).toContain(fake.created.at(-1)!.name);
    expect(request.emitted).toContainEqual(
      expect.objectContaining({ type: 'step', status: 'error', name: 'RUN echo about to fail; exit 3' }),
    );
  });

  it('surfaces Kaniko refusing a plain tar (the stand-in checks the gzip header like the executor)', async () => {
    fake.scenario = { ...SUCCESS, notGzipLines: fixture('build-uncompressed-stdin.log').slice(0, 2) };
    const error = await failure((await builder()).build(buildRequest({ gzip: false })));
    expect(error.code).toBe('BUILD_FAILED');
    expect(error.message).toContain('Error: error resolving source context: gzip: invalid header');
  });

  it('reports Warning events when the pod stays Pending past the pending timeout', async () => {
    fake.scenario = { pending: 'unschedulable' };
    const error = await failure((await builder({ pendingTimeoutSeconds: 0.3 })).build(buildRequest()));
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toMatch(/did not start within 0.3 s \(phase Pending\)/);
    expect(error.message).toContain('FailedScheduling: 0/3 nodes are available: 3 Insufficient memory.');
    expect(fake.deleted).toContain(fake.created.at(-1)!.name);
  });

  it('reports ImagePullBackOff with the pull errors', async () => {
    fake.scenario = { pending: 'image-pull-backoff' };
    const error = await failure(
      (await builder({ pendingTimeoutSeconds: 0.3, image: 'nope/kaniko:0' })).build(buildRequest()),
    );
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toContain('container waiting: ImagePullBackOff');
    expect(error.message).toContain('Failed: Failed to pull image "nope/kaniko:0": not found');
  });

  it('fails at once on an invalid executor image name', async () => {
    fake.scenario = { pending: 'invalid-image' };
    const error = await failure((await builder({ pendingTimeoutSeconds: 60 })).build(buildRequest()));
    expect(error.code).toBe('DAEMON_ERROR');
    expect(error.message).toContain('could not start (container waiting: InvalidImageName');
  });

  it('times out a build that never ends, with the last lines, and deletes the pod', async () => {
    fake.scenario = { ...SUCCESS, hang: true };
    const error = await failure((await builder({ buildTimeoutSeconds: 0.5 })).build(buildRequest()));
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toContain('did not finish building localhost:5000/fx/app:3kqabc within 0.5 s');
    expect(error.message).toContain('Pushed localhost:5000/fx/kapp@sha256:');
  });

  it('deletes the pod when the run is cancelled mid-build (Ctrl-C)', async () => {
    fake.scenario = { ...SUCCESS, hang: true };
    const request = buildRequest();
    const building = (await builder()).build(request);
    while (!request.emitted.some((event) => event.type === 'log')) await new Promise((r) => setTimeout(r, 5));
    request.controller.abort();
    const error = await failure(building);
    expect(error.code).toBe('CANCELLED');
    expect(fake.deleted).toContain(fake.created.at(-1)!.name);
  });

  it('deletes the pod when cancelled while it is Pending', async () => {
    fake.scenario = { pending: 'unschedulable' };
    const request = buildRequest();
    const building = (await builder()).build(request);
    while (fake.created.length === 0 || fake.pods.size === 0) await new Promise((r) => setTimeout(r, 5));
    request.controller.abort();
    expect((await failure(building)).code).toBe('CANCELLED');
  });

  it('fails and cleans up when attach is refused', async () => {
    fake.scenario = { ...SUCCESS, rejectAttach: 403 };
    const error = await failure((await builder()).build(buildRequest()));
    expect(error.code).toBe('DAEMON_ERROR');
    expect(error.message).toMatch(
      /Sending the build context to pod ci\/imagespec-kaniko-\w+ failed: cannot open the attach WebSocket/,
    );
  });

  it('fails and cleans up when the attach connection drops mid-stream', async () => {
    fake.scenario = { ...SUCCESS, captureStdin: false, dropAttachAfterBytes: 1, lineDelayMs: 100 };
    const big = randomBytes(8 * 1024 * 1024).toString('base64');
    const error = await failure((await builder()).build(buildRequest({ files: { Dockerfile: 'FROM x\n', big } })));
    expect(error.code).toBe('DAEMON_ERROR');
    expect(error.message).toContain('closed the attach WebSocket early');
  });

  it('reports a forbidden pod create with the RBAC the builder needs', async () => {
    fake.scenario = { forbid: ['create'] };
    const before = fake.created.length;
    const error = await failure((await builder()).build(buildRequest()));
    expect(error.code).toBe('DAEMON_ERROR');
    expect(error.message).toContain('pods is forbidden: User "system:serviceaccount:ci:builder" cannot create');
    expect(error.hint).toContain('pods/attach');
    expect(fake.created.length).toBe(before);
  });

  it('warns with the kubectl command when the pod cannot be deleted', async () => {
    fake.scenario = { ...SUCCESS, forbid: ['delete'] };
    const host = testHost();
    const result = await (await builder({}, host)).build(buildRequest());
    expect(result.digest).toBe(DIGEST);
    const name = fake.created.at(-1)!.name;
    expect(host.warnings).toEqual([
      expect.stringMatching(
        new RegExp(
          `^Could not delete Kaniko pod ci/${name}: pods is forbidden: .*Delete it with: kubectl delete pod -n ci ${name}$`,
        ),
      ),
    ]);
    fake.pods.clear(); // what the user would do by hand
  });

  it('lets Kaniko fetch a context URL: no stdin, no attach', async () => {
    fake.scenario = { logLines: fixture('build-success.log'), terminationMessage: DIGEST };
    const before = fake.requests.length;
    const result = await (await builder({ contextUrl: 's3://bucket/ctx.tar.gz' })).build(buildRequest());
    expect(result.digest).toBe(DIGEST);
    const pod = fake.created.at(-1)!;
    expect(pod.manifest.spec.containers[0]!.stdin).toBeUndefined();
    expect(fake.requests.slice(before).some((line) => line.startsWith('UPGRADE'))).toBe(false);
  });

  it('sends the manifest plan() shows', async () => {
    fake.scenario = SUCCESS;
    const b = await builder({ labels: { team: 'ml' }, resources: { requests: { memory: '2Gi' } } });
    const request = buildRequest();
    const plan = (await b.plan!(request)) as { pod: Record<string, unknown> };
    await b.build(request);
    const sent = fake.created.at(-1)!.manifest;
    expect(sent).toEqual(JSON.parse(JSON.stringify(plan.pod)));
  });
});

describe('plan() and supports()', () => {
  it('adds --insecure-registry for the hosts the imagespec config marks insecure', async () => {
    const b = await builder({}, testHost({ insecure: ['localhost:5000'] }));
    const plan = (await b.plan!(buildRequest({ baseImage: 'mirror.local/busybox:1' }))) as {
      pod: { spec: { containers: Array<{ args: string[] }> } };
    };
    expect(plan.pod.spec.containers[0]!.args).toContain('--insecure-registry=localhost:5000');
    expect(plan.pod.spec.containers[0]!.args.filter((arg) => arg.startsWith('--insecure'))).toHaveLength(1);
  });

  it("adds --insecure-registry for every registry the build pulls from (request.pulls), not only the base image's", async () => {
    const b = await builder({}, testHost({ insecure: ['tools.local:5000'] }));
    const request = buildRequest({ baseImage: 'mirror.local/busybox:1' });
    const plan = (await b.plan!({ ...request, pulls: ['mirror.local/busybox:1', 'tools.local:5000/gcc:13'] })) as {
      pod: { spec: { containers: Array<{ args: string[] }> } };
    };
    expect(plan.pod.spec.containers[0]!.args).toContain('--insecure-registry=tools.local:5000');
  });

  it('declines multi-platform specs and build secrets', async () => {
    const b = await builder();
    const spec = buildRequest().spec;
    expect(b.supports({ ...spec, platforms: ['linux/amd64', 'linux/arm64'] })).toEqual({
      ok: false,
      reason: 'Kaniko builds one platform per pod; the spec asks for linux/amd64, linux/arm64',
    });
    expect(b.supports({ ...spec, pipSecretMounts: [{ id: 'x' }] } as never)).toMatchObject({ ok: false });
    expect(b.supports(spec)).toEqual({ ok: true });
  });

  it('refuses a spec that brings its own Dockerfile with contextUrl, whose context cannot carry the Dockerfile imagespec hands the build', async () => {
    const own = normalizeSpec({ name: 'app', dockerfile: 'docker/app.Dockerfile' }, { dir: '/project' });
    expect((await builder({ contextUrl: 's3://bucket/ctx.tar.gz' })).supports(own)).toEqual({
      ok: false,
      reason:
        'the spec brings its own Dockerfile (/project/docker/app.Dockerfile), and with contextUrl Kaniko reads the context and Dockerfile from s3://bucket/ctx.tar.gz, which cannot carry the Dockerfile imagespec hands the build (its images pinned, build args set, the hash label) nor be checked against the files the tag was computed from',
    });
    expect((await builder()).supports(own)).toEqual({ ok: true });
  });
});

describe('verify', () => {
  const FAILING = 'echo about to fail; exit 3';
  const argsOf = (pod: { manifest: (typeof fake.created)[number]['manifest'] }) =>
    (pod.manifest.spec.containers[0] as unknown as { args: string[] }).args;
  const stageOf = (pod: (typeof fake.created)[number]) => argsOf(pod).find((arg) => arg.startsWith('--target='));
  // The real recording of a RUN that exits 3, as the verify pod prints it: Kaniko names a step
  // by its Dockerfile line, and logs the verify stage's build after the image stage's.
  const failedInVerify = fixture('build-failed-json.log').map((line) =>
    line.replace(
      "Building stage 'localhost:5000/busybox:1' [idx: '0', base-idx: '-1']",
      "Building stage 'imagespec-image' [idx: '1', base-idx: '0']",
    ),
  );

  it('runs a verify pod on the extended Dockerfile first, then the image pod that pushes; both deleted', async () => {
    fake.scenario = SUCCESS;
    const before = fake.created.length;
    const request = buildRequest({ verify: ['test -f /app/app.txt'] });
    const result = await (await builder({ logFormat: 'color' })).build(request);
    expect(result).toEqual({ image: 'localhost:5000/fx/app:3kqabc', digest: DIGEST, pushed: true });

    const [verify, image, ...more] = fake.created.slice(before);
    expect(more).toEqual([]);
    expect(stageOf(verify!)).toBe('--target=imagespec-verify');
    expect(argsOf(verify!)).toContain('--no-push');
    expect(stageOf(image!)).toBe('--target=imagespec-image');
    expect(argsOf(image!)).not.toContain('--no-push');
    const dockerfile =
      'FROM localhost:5000/busybox:1 AS imagespec-image\nCOPY app.txt /app/\n' +
      'FROM imagespec-image AS imagespec-verify\nRUN test -f /app/app.txt\n';
    for (const pod of [verify!, image!]) {
      expect((await readContext(pod.stdin.data!)).Dockerfile).toBe(dockerfile);
      expect(fake.deleted).toContain(pod.name);
    }
    // The verify pod's steps keep their own ids.
    const ids = request.emitted.flatMap((event) => (event.type === 'step' ? [event.id] : []));
    expect(ids).toContain('verify-step-1');
    expect(ids).toContain('step-1');

    // plan() shows both pods as they were sent, and the Dockerfile.
    const planner = await builder({ logFormat: 'color' });
    const plan = (await planner.plan!(buildRequest({ verify: ['test -f /app/app.txt'] }))) as Record<string, unknown>;
    expect(plan.verifyPod).toEqual(JSON.parse(JSON.stringify(verify!.manifest)));
    expect(plan.pod).toEqual(JSON.parse(JSON.stringify(image!.manifest)));
    expect(plan.dockerfile).toBe(dockerfile);
  });

  it('a failing verify command fails the build with its output; the image pod never runs, so nothing is pushed', async () => {
    fake.scenario = (manifest) =>
      argsOf({ manifest }).includes('--target=imagespec-verify')
        ? { logLines: failedInVerify, exitCode: 3, captureStdin: true }
        : SUCCESS;
    const before = fake.created.length;
    const request = buildRequest({ verify: ['true', FAILING] });
    const error = await failure((await builder()).build(request));
    expect(error).toMatchObject({
      code: 'VERIFY_FAILED',
      details: { command: FAILING, exitCode: 3, output: ['about to fail'] },
    });
    const pods = fake.created.slice(before);
    expect(pods.map(stageOf)).toEqual(['--target=imagespec-verify']);
    expect(error.message).toBe(
      `Verify command \`${FAILING}\` exited with 3 in localhost:5000/fx/app:3kqabc (Kaniko pod ci/${pods[0]!.name}); nothing was pushed.\nLast output:\n  about to fail`,
    );
    expect(fake.deleted).toContain(pods[0]!.name);
  });

  it('a step of the image failing in the verify pod is a build failure, and the image pod never runs', async () => {
    fake.scenario = { logLines: fixture('build-failed-json.log'), exitCode: 3 };
    const before = fake.created.length;
    const request = buildRequest({
      verify: ['true'],
      files: { Dockerfile: `FROM localhost:5000/busybox:1\nRUN ${FAILING}\n` },
    });
    expect(await failure((await builder()).build(request))).toMatchObject({
      code: 'BUILD_FAILED',
      details: { failedStep: `RUN ${FAILING}` },
    });
    expect(fake.created.slice(before)).toHaveLength(1);
  });

  it('refuses a verify command that would add an instruction, before any pod', async () => {
    const before = fake.created.length;
    await expect((await builder()).build(buildRequest({ verify: ['true\nRUN echo injected'] }))).rejects.toMatchObject({
      code: 'SPEC_INVALID',
      details: { field: 'verify[0]' },
    });
    expect(fake.created.length).toBe(before);
  });

  it('is not supported with contextUrl, whose Dockerfile cannot get the verify stage', async () => {
    const b = await builder({ contextUrl: 's3://bucket/ctx.tar.gz' });
    const { spec } = buildRequest({ verify: ['true'] });
    expect(b.supports(spec)).toEqual({
      ok: false,
      reason:
        'the spec has verify commands, and with contextUrl Kaniko reads the Dockerfile from s3://bucket/ctx.tar.gz, which cannot get the verify stage',
    });
    expect(b.supports(buildRequest().spec)).toEqual({ ok: true });
  });
});

describe('plan() for --dry-run, with no cluster', () => {
  it('needs no kubeconfig and calls no API: the pods and Dockerfile come from the request alone', async () => {
    const before = fake.requests.length;
    const b = await kaniko.create(
      resolveKanikoOptions({ kubeconfig: '/nonexistent/kubeconfig', namespace: 'ci' }),
      testHost({ env: {} }),
    );
    const plan = (await b.plan!(buildRequest({ verify: ['true'] }))) as Record<string, unknown>;
    expect(plan).toMatchObject({
      builder: 'kaniko',
      namespace: 'ci',
      verifyPod: { metadata: { labels: { 'imagespec.dev/stage': 'verify' } } },
      pod: { metadata: { labels: { 'imagespec.dev/stage': 'image' } } },
      dockerfile: expect.stringContaining('FROM imagespec-image AS imagespec-verify\nRUN true\n'),
    });
    // The same builder cannot build: available() says why, plan() did not need it.
    expect(await b.available()).toMatchObject({ ok: false });
    expect(fake.requests.length).toBe(before);
  });
});

describe('available()', () => {
  it('is ok when the API answers a pods list', async () => {
    expect(await (await builder()).available()).toEqual({ ok: true });
  });

  it('gives the API server words when listing pods is forbidden', async () => {
    fake.scenario = { forbid: ['list'] };
    const result = await (await builder()).available();
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toContain('refused to list pods: pods is forbidden');
  });

  it('says when no kubeconfig exists', async () => {
    const b = kaniko.create(resolveKanikoOptions({}), testHost({ env: { HOME: '/nonexistent' } }));
    const result = await (await b).available();
    expect(result).toEqual({ ok: false, reason: expect.stringContaining('No Kubernetes configuration') });
  });

  it('says when the API server does not answer in time', async () => {
    const { createServer } = await import('node:net');
    const silent = createServer(() => {}); // accepts, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const config = await writeKubeconfig(fake.kubeconfig().replace(fake.url, `http://127.0.0.1:${port}`));
    try {
      const b = await kaniko.create(
        resolveKanikoOptions({ kubeconfig: config.path, connectTimeoutSeconds: 0.2 }),
        testHost(),
      );
      expect(await b.available()).toEqual({
        ok: false,
        reason: expect.stringContaining('did not answer within 0.2 s'),
      });
    } finally {
      silent.close();
      await config.dispose();
    }
  });
});
