// The engine against the REAL open registry of the test environment (127.0.0.1:5000), with
// in-process test builders: real objects implementing the builder contract (no mocks).
// The "recording" builder pushes a real (empty) OCI manifest under the requested tag, so
// a second run finds the image in the registry, as it would after a real build.
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { setImmediate } from 'node:timers/promises';
import { testEnv } from '@imagespec/test-env';
import tarStream from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedConfig } from '../config/define.js';
import type { Builder, BuilderDefinition, BuildRequest, BuildResult } from '../contract/builder.js';
import type { BuildEvent } from '../contract/events.js';
import type { ImageSpecInput, ResolvedImageSpec } from '../contract/spec.js';
import { parseImageRef } from '../image-ref/image-ref.js';
import { createBuilderSelection } from '../plugin/selection.js';
import { createRegistryAccess } from '../registry/access.js';
import { createRegistryClient } from '../registry/client.js';
import { normalizeSpec } from '../spec/normalize.js';
import { createBuilderHost } from './host.js';
import { type RunBuildsOptions, runBuilds } from './run.js';

let dir: string;
let registry: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imagespec-engine-'));
  registry = testEnv().registry.host;
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Uploads an empty OCI image (a config blob, no layers) under `image` through the registry API. */
async function pushEmptyImage(image: string): Promise<string> {
  const ref = parseImageRef(image);
  const base = `http://${ref.registry}/v2/${ref.repository}`;
  const config = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }),
  );
  const configDigest = `sha256:${createHash('sha256').update(config).digest('hex')}`;
  const start = await fetch(`${base}/blobs/uploads/`, { method: 'POST' });
  expect(start.status).toBe(202);
  const location = new URL(start.headers.get('location') ?? '', `http://${ref.registry}`);
  location.searchParams.set('digest', configDigest);
  const put = await fetch(location, {
    method: 'PUT',
    body: config,
    headers: { 'content-type': 'application/octet-stream' },
  });
  expect(put.status).toBe(201);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
    layers: [],
  });
  const pushed = await fetch(`${base}/manifests/${ref.tag}`, {
    method: 'PUT',
    body: manifest,
    headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
  });
  expect(pushed.status).toBe(201);
  return pushed.headers.get('docker-content-digest') ?? '';
}

/** A unique spec input (a nonce in its commands), so its image is absent from the registry at first. */
function input(name: string, extra: Partial<ImageSpecInput> = {}): ImageSpecInput {
  return {
    name: `imagespec-engine-test/${name}`,
    registry,
    baseImage: `${registry}/imagespec-test/busybox:1`,
    commands: [`echo ${randomUUID()}`],
    ...extra,
  };
}

function spec(name: string, extra: Partial<ImageSpecInput> = {}): ResolvedImageSpec {
  return normalizeSpec(input(name, extra), { dir });
}

interface Recorder {
  readonly definition: BuilderDefinition;
  readonly requests: BuildRequest[];
}

/** Records every request; pushes an empty image when asked to push. `behave` may replace build. */
function recordingBuilder(name = 'recording', behave?: (request: BuildRequest) => Promise<BuildResult>): Recorder {
  const requests: BuildRequest[] = [];
  const builder: Builder = {
    available: () => ({ ok: true }),
    supports: () => ({ ok: true }),
    async build(request) {
      requests.push(request);
      if (behave) return behave(request);
      request.events.emit({ type: 'log', stream: 'stdout', line: `building ${request.image}` });
      const digest = request.push ? await pushEmptyImage(request.image) : undefined;
      return { image: request.image, pushed: request.push, ...(digest && { digest }) };
    },
    plan: (request) => ({ argv: ['build', '-t', request.image], push: request.push }),
  };
  return { requests, definition: { apiVersion: 1, name, priority: 10, create: () => builder } };
}

function setup(definitions: BuilderDefinition[]) {
  const access = createRegistryAccess({ env: {}, home: dir });
  const host = createBuilderHost({
    logger: { debug: () => {}, info: () => {}, warn: () => {} },
    registries: access,
    cwd: dir,
    env: {},
  });
  const builders = createBuilderSelection(definitions, host);
  const config: ResolvedConfig = { dir, builders: [], defaults: {}, registries: {}, mirrors: {} };
  const events: BuildEvent[] = [];
  const run = (options: Partial<RunBuildsOptions> & Pick<RunBuildsOptions, 'specs'>) =>
    runBuilds({
      config,
      builders,
      registryClient: createRegistryClient({ access }),
      access,
      onEvent: (e) => events.push(e),
      ...options,
    });
  return { run, events, builders, host };
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

describe('runBuilds', () => {
  it('builds and pushes an absent image, then skips it because the registry has it', async () => {
    const recorder = recordingBuilder();
    const { run, events } = setup([recorder.definition]);
    const app = spec('absent-then-exists');
    const first = await run({ specs: [app] });
    expect(first.images).toHaveLength(1);
    const [built] = first.images;
    expect(built).toMatchObject({ name: app.name, status: 'pushed', builder: 'recording' });
    expect(built?.image).toMatch(new RegExp(`^${registry}/imagespec-engine-test/absent-then-exists:[a-z2-7]{26}$`));
    expect(built?.digest).toMatch(/^sha256:/);
    const [request] = recorder.requests;
    expect(request).toMatchObject({
      image: built?.image,
      hash: built?.hash,
      push: true,
      baseImage: `${registry}/imagespec-test/busybox:1`,
    });
    expect(request?.dockerfile('plain')).toContain(`FROM ${registry}/imagespec-test/busybox:1`);
    expect(events.map((e) => e.type)).toEqual(['queued', 'building', 'log', 'built', 'pushed']);
    expect(events[2]).toEqual({
      type: 'log',
      stream: 'stdout',
      line: `building ${built?.image}`,
      image: built?.image,
      spec: app.name,
    });

    events.length = 0;
    const second = await run({ specs: [app] });
    expect(second.images[0]).toMatchObject({ status: 'skipped', image: built?.image, digest: built?.digest });
    expect(recorder.requests).toHaveLength(1);
    expect(events.map((e) => e.type)).toEqual(['queued', 'skipped']);
  });

  it('skips an image another client already pushed, and builds it again with force', async () => {
    const recorder = recordingBuilder();
    const { run } = setup([recorder.definition]);
    const app = spec('pushed-by-someone-else');
    const planned = await run({ specs: [app], dryRun: true });
    const image = planned.images[0]?.image ?? '';
    await pushEmptyImage(image);
    expect((await run({ specs: [app] })).images[0]?.status).toBe('skipped');
    expect(recorder.requests).toHaveLength(0);
    expect((await run({ specs: [app], force: true })).images[0]?.status).toBe('pushed');
    expect(recorder.requests).toHaveLength(1);
  });

  it('fails with the registry’s answer when it cannot tell, and never builds', async () => {
    const recorder = recordingBuilder();
    const { run, events } = setup([recorder.definition]);
    const port = await closedPort();
    const app = spec('unknown', { registry: `127.0.0.1:${port}` });
    const summary = await run({ specs: [app] });
    expect(recorder.requests).toHaveLength(0);
    const [failed] = summary.images;
    expect(failed?.status).toBe('failed');
    expect(failed?.error?.code).toBe('REGISTRY_UNREACHABLE');
    expect(failed?.error?.message).toContain(`Cannot tell whether 127.0.0.1:${port}/imagespec-engine-test/unknown:`);
    expect(failed?.error?.message).toMatch(/ECONNREFUSED|refused/i);
    expect(events.at(-1)).toMatchObject({ type: 'failed', error: { code: 'REGISTRY_UNREACHABLE' } });
  });

  it('an auth failure is the registry’s answer too: REGISTRY_AUTH, nothing built', async () => {
    const recorder = recordingBuilder();
    const { run } = setup([recorder.definition]);
    const summary = await run({ specs: [spec('needs-login', { registry: testEnv().authRegistry.host })] });
    expect(recorder.requests).toHaveLength(0);
    expect(summary.images[0]?.error?.code).toBe('REGISTRY_AUTH');
    expect(summary.images[0]?.error?.message).toContain(`Registry ${testEnv().authRegistry.host} requires a login`);
  });

  it('hands the builder a context tar with the rendered Dockerfile at its root', async () => {
    const entries = new Map<string, string>();
    const recorder = recordingBuilder('recording', async (request) => {
      const extract = tarStream.extract();
      const done = (async () => {
        for await (const entry of extract) {
          const chunks: Buffer[] = [];
          for await (const chunk of entry) chunks.push(chunk as Buffer);
          entries.set(entry.header.name, Buffer.concat(chunks).toString('utf8'));
        }
      })();
      await pipeline(request.context({ dialect: 'plain' }), extract);
      await done;
      return { image: request.image, pushed: false };
    });
    const { run } = setup([recorder.definition]);
    await run({ specs: [spec('context', { registry: undefined })] });
    expect(entries.get('Dockerfile')).toBe(recorder.requests[0]?.dockerfile('plain'));
  });

  it('dry-run checks the registry, collects plans and builds nothing', async () => {
    const recorder = recordingBuilder();
    const { run, events } = setup([recorder.definition]);
    const app = spec('dry-run');
    const summary = await run({ specs: [app], dryRun: true });
    expect(recorder.requests).toHaveLength(0);
    const image = summary.images[0]?.image;
    expect(summary.images[0]).toMatchObject({ status: 'planned', builder: 'recording' });
    expect(summary.plans).toEqual([
      { name: app.name, image, builder: 'recording', plan: { argv: ['build', '-t', image], push: true } },
    ]);
    expect(events.map((e) => e.type)).toEqual(['queued', 'skipped']);
    expect(events[1]).toMatchObject({ reason: 'dry-run' });
  });

  it('builds a base spec first and once, FROM its full image name; identical specs once', async () => {
    const order: string[] = [];
    const recorder = recordingBuilder('recording', async (request) => {
      order.push(request.spec.name);
      await pushEmptyImage(request.image);
      return { image: request.image, pushed: true };
    });
    const { run } = setup([recorder.definition]);
    const baseInput = input('base');
    const base = normalizeSpec(baseInput, { dir });
    const dependentInput = input('app', { baseImage: baseInput });
    // The base appears inline in both dependents and once on its own; the dependent twice.
    const summary = await run({
      specs: [normalizeSpec(dependentInput, { dir }), base, normalizeSpec(dependentInput, { dir })],
    });
    expect(order).toEqual(['imagespec-engine-test/base', 'imagespec-engine-test/app']);
    expect(summary.images.map((i) => [i.name, i.status])).toEqual([
      ['imagespec-engine-test/base', 'pushed'],
      ['imagespec-engine-test/app', 'pushed'],
    ]);
    expect(recorder.requests[1]?.baseImage).toBe(summary.images[0]?.image);
    expect(recorder.requests[1]?.dockerfile('buildkit')).toContain(`FROM ${summary.images[0]?.image}`);
  });

  it('a failed base fails its dependents with the reason; other images go on', async () => {
    const recorder = recordingBuilder('recording', async (request) => {
      if (request.spec.name.endsWith('/broken-base')) throw new Error('RUN echo failed: exit code 2');
      return { image: request.image, pushed: false };
    });
    const { run } = setup([recorder.definition]);
    const baseInput = input('broken-base');
    const base = normalizeSpec(baseInput, { dir });
    const dependent = spec('on-broken', { baseImage: baseInput });
    const other = spec('independent');
    const summary = await run({ specs: [base, dependent, other], push: false });
    const byName = Object.fromEntries(summary.images.map((i) => [i.name.split('/')[1], i]));
    expect(byName['broken-base']?.error).toMatchObject({ code: 'BUILD_FAILED' });
    expect(byName['broken-base']?.error?.message).toContain('RUN echo failed: exit code 2');
    expect(byName['on-broken']?.status).toBe('failed');
    expect(byName['on-broken']?.error?.message).toContain(`because its base ${byName['broken-base']?.image} failed`);
    expect(byName.independent?.status).toBe('built');
    expect(recorder.requests.map((r) => r.spec.name.split('/')[1]).sort()).toEqual(['broken-base', 'independent']);
  });

  it('never runs more builds at once than the concurrency limit', async () => {
    let active = 0;
    let started = 0;
    let max = 0;
    const total = 5;
    let release: () => void = () => {};
    let gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const recorder = recordingBuilder('recording', async (request) => {
      active++;
      started++;
      max = Math.max(max, active);
      if (active >= 2 || started === total) {
        // Two are in flight (or nothing else can start): give any build beyond the limit
        // some event-loop turns to start too, then let everyone finish.
        for (let turn = 0; turn < 5; turn++) await setImmediate();
        release();
        gate = new Promise<void>((resolve) => {
          release = resolve;
        });
      } else {
        await gate;
      }
      active--;
      return { image: request.image, pushed: false };
    });
    const { run } = setup([recorder.definition]);
    // No registry: nothing but the limiter stands between the queue and the builder.
    const specs = Array.from({ length: total }, (_, i) => spec(`limit-${i}`, { registry: undefined }));
    const summary = await run({ specs, concurrency: 2 });
    expect(summary.images.map((i) => i.status)).toEqual(Array(total).fill('built'));
    expect(max).toBe(2);
  });

  it('on abort, passes the signal to the running builder, waits for it, and cancels the rest', async () => {
    const controller = new AbortController();
    let returned = false;
    const recorder = recordingBuilder('recording', (request) => {
      controller.abort(new Error('user pressed Ctrl-C'));
      return new Promise((_resolve, reject) => {
        const stop = () => {
          returned = true;
          reject(Object.assign(new Error('build aborted'), { name: 'AbortError' }));
        };
        if (request.signal.aborted) stop();
        else request.signal.addEventListener('abort', stop, { once: true });
      });
    });
    const { run } = setup([recorder.definition]);
    const summary = await run({ specs: [spec('abort-1'), spec('abort-2')], concurrency: 1, signal: controller.signal });
    expect(returned).toBe(true);
    expect(recorder.requests).toHaveLength(1);
    expect(summary.images.map((i) => [i.status, i.error?.code])).toEqual([
      ['failed', 'CANCELLED'],
      ['failed', 'CANCELLED'],
    ]);
  });

  it('a run cancelled before any image is queued rejects with CANCELLED', async () => {
    const recorder = recordingBuilder();
    const { run, events } = setup([recorder.definition]);
    const controller = new AbortController();
    controller.abort(new Error('user pressed Ctrl-C'));
    await expect(run({ specs: [spec('cancelled-early')], signal: controller.signal })).rejects.toMatchObject({
      name: 'ImagespecError',
      code: 'CANCELLED',
    });
    expect(events).toEqual([]);
    expect(recorder.requests).toHaveLength(0);
  });

  it('without a registry, checks nothing remotely and asks the builder’s optional exists()', async () => {
    const built: string[] = [];
    const local = new Set<string>();
    const definition: BuilderDefinition = {
      apiVersion: 1,
      name: 'local',
      priority: 1,
      create: () =>
        ({
          available: () => ({ ok: true }),
          supports: () => ({ ok: true }),
          exists: async (image: string) => local.has(image),
          async build(request: BuildRequest) {
            built.push(request.image);
            local.add(request.image);
            return { image: request.image, pushed: false };
          },
        }) as Builder,
    };
    const { run } = setup([definition]);
    const app = normalizeSpec(
      { name: 'local-only', baseImage: `${registry}/imagespec-test/busybox:1`, commands: [`echo ${randomUUID()}`] },
      { dir },
    );
    const first = await run({ specs: [app] });
    expect(first.images[0]).toMatchObject({ status: 'built', builder: 'local' });
    expect(first.images[0]?.image).toMatch(/^local-only:[a-z2-7]{26}$/);
    expect(built).toHaveLength(1);
    const second = await run({ specs: [app] });
    expect(second.images[0]?.status).toBe('skipped');
    expect(built).toHaveLength(1);
  });

  it('reports a builder selection failure as a failed image', async () => {
    const definition: BuilderDefinition = {
      apiVersion: 1,
      name: 'down',
      priority: 1,
      create: () => ({
        available: () => ({ ok: false, reason: 'no daemon at /nowhere.sock' }),
        supports: () => ({ ok: true }),
        build: () => Promise.reject(new Error('never')),
      }),
    };
    const { run } = setup([definition]);
    const summary = await run({ specs: [spec('no-builder')] });
    expect(summary.images[0]?.error).toMatchObject({ code: 'BUILDER_UNAVAILABLE' });
    expect(summary.images[0]?.error?.message).toContain(
      'down (priority 1, inline): unavailable: no daemon at /nowhere.sock',
    );
  });
});
