// Extra tags (`tags`) against the REAL open registry of the test environment, with an
// in-process test builder (a real object implementing the builder contract) that pushes a
// small image of its own through core's registry client: each image gets its own digest,
// so "the alias names the same digest" cannot hold by accident.
import { execFileSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { AUTH_PASSWORD, AUTH_USER, testEnv } from '@imagespec/test-env';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedConfig } from '../config/define.js';
import type { Builder, BuildRequest } from '../contract/builder.js';
import type { BuildEvent } from '../contract/events.js';
import type { ImageSpecInput } from '../contract/spec.js';
import { computeImageIdentity } from '../hash/identity.js';
import { parseImageRef } from '../image-ref/image-ref.js';
import { createBuilderSelection } from '../plugin/selection.js';
import { createRegistryAccess } from '../registry/access.js';
import { createRegistryBlobClient } from '../registry/blob-client.js';
import { createRegistryClient } from '../registry/client.js';
import { normalizeSpec } from '../spec/normalize.js';
import { createBuilderHost } from './host.js';
import { type RunBuildsOptions, runBuilds } from './run.js';

const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
let dir: string;
let registry: string;
let commit: string;
const access = () => createRegistryAccess({ env: {}, home: dir });
const anonymous = () => createRegistryAccess({ env: {}, dockerConfig: { auths: {}, credHelpers: {} } });

beforeAll(async () => {
  registry = testEnv().registry.host;
  dir = await mkdtemp(join(tmpdir(), 'imagespec-extra-tags-'));
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: dir,
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@t',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@t',
      },
    }).trim();
  git('init', '-q');
  await writeFile(join(dir, 'README'), 'x');
  git('add', 'README');
  git('commit', '-q', '-m', 'first');
  commit = git('log', '-1', '--format=%H');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** Pushes an image whose config names `marker`, under `image`; its digest. */
async function pushImage(image: string, marker: string, registries = access()): Promise<string> {
  const client = createRegistryBlobClient({ access: registries });
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Labels: { marker } },
      rootfs: { type: 'layers', diff_ids: [] },
    }),
  );
  const configDigest = `sha256:${createHash('sha256').update(config).digest('hex')}`;
  await client.pushBlob(image, { digest: configDigest, size: config.length, open: () => Readable.from([config]) });
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
      layers: [],
    }),
  );
  return client.putManifest(image, { mediaType: MANIFEST, body: manifest });
}

/** The digest the registry answers for `image` (a HEAD of its manifest), or undefined when absent. */
async function digestOf(image: string): Promise<string | undefined> {
  const ref = parseImageRef(image);
  const answer = await fetch(`http://${ref.registry}/v2/${ref.repository}/manifests/${ref.tag}`, {
    method: 'HEAD',
    headers: { accept: MANIFEST },
  });
  if (answer.status === 404) return undefined;
  expect(answer.status).toBe(200);
  return answer.headers.get('docker-content-digest') ?? undefined;
}

function setup(registries = access(), retagClient?: RunBuildsOptions['retagClient']) {
  const requests: BuildRequest[] = [];
  const builder: Builder = {
    available: () => ({ ok: true }),
    supports: () => ({ ok: true }),
    async build(request) {
      requests.push(request);
      const digest = await pushImage(request.image, request.hash, registries);
      return { image: request.image, pushed: true, digest };
    },
  };
  const host = createBuilderHost({
    logger: { debug: () => {}, info: () => {}, warn: () => {} },
    registries,
    cwd: dir,
    env: {},
  });
  const builders = createBuilderSelection(
    [{ apiVersion: 1, name: 'pushing', priority: 10, create: () => builder }],
    host,
  );
  const config: ResolvedConfig = { dir, builders: [], defaults: {}, registries: {}, mirrors: {} };
  const events: BuildEvent[] = [];
  const run = (input: ImageSpecInput) =>
    runBuilds({
      specs: [normalizeSpec(input, { dir })],
      config,
      builders,
      registryClient: createRegistryClient({ access: registries }),
      access: registries,
      onEvent: (event) => events.push(event),
      ...(retagClient && { retagClient }),
    });
  return { run, requests, events };
}

/** A spec whose content is new to the registry (a nonce in its commands). */
function input(name: string, tags: string[], nonce = randomUUID()): ImageSpecInput {
  return {
    name: `imagespec-extra-tags/${name}-${randomUUID().slice(0, 8)}`,
    registry,
    baseImage: `${registry}/imagespec-test/busybox:1`,
    commands: [`echo ${nonce}`],
    tags,
  };
}

describe('extra tags', () => {
  it('puts every extra tag on the digest just pushed, with the hash and the git commit filled in', async () => {
    const { run, events } = setup();
    const app = input('after-build', ['latest', 'h-{hash}', 'git-{gitSha}', 'g-{gitShortSha}', '{hash}']);
    const [result] = (await run(app)).images;
    expect(result?.status).toBe('pushed');
    const repo = `${registry}/${app.name}`;
    const expected = ['latest', `h-${result?.hash}`, `git-${commit}`, `g-${commit.slice(0, 7)}`].map(
      (tag) => `${repo}:${tag}`,
    );
    // `{hash}` is the content tag itself: nothing to put.
    expect(result?.tags).toEqual(expected);
    expect(result?.digest).toMatch(/^sha256:/);
    expect(await digestOf(result?.image ?? '')).toBe(result?.digest);
    for (const alias of expected) expect(await digestOf(alias)).toBe(result?.digest);
    const tagged = events.filter((event) => event.type === 'log' && event.line.startsWith('tagged '));
    expect(tagged.map((event) => (event as { line: string }).line)).toEqual(expected.map((alias) => `tagged ${alias}`));
  });

  it('puts the extra tags again when the image is skipped, so `latest` follows the image of this run', async () => {
    const { run, requests } = setup();
    const first = input('follow', ['latest']);
    const second = { ...first, commands: [`echo ${randomUUID()}`] };
    const [one] = (await run(first)).images;
    const [two] = (await run(second)).images;
    expect(one?.digest).not.toBe(two?.digest);
    const latest = `${registry}/${first.name}:latest`;
    expect(await digestOf(latest)).toBe(two?.digest);
    const [again] = (await run(first)).images;
    expect(again).toMatchObject({ status: 'skipped', digest: one?.digest, tags: [latest] });
    expect(requests).toHaveLength(2);
    expect(await digestOf(latest)).toBe(one?.digest);
  });

  it('decides whether to build by the content tag alone: an extra tag already present changes nothing', async () => {
    const { run, requests } = setup();
    const app = input('alias-only', ['latest', 'h-{hash}']);
    const repo = `${registry}/${app.name}`;
    const spec = normalizeSpec(app, { dir });
    const identity = await computeImageIdentity(spec);
    const stale = await pushImage(`${repo}:h-${identity.hash}`, 'stale');
    await pushImage(`${repo}:latest`, 'stale');
    expect(await digestOf(identity.image)).toBeUndefined();
    const [result] = (await run(app)).images;
    expect(result?.status).toBe('pushed');
    expect(requests).toHaveLength(1);
    expect(result?.digest).not.toBe(stale);
    expect(await digestOf(`${repo}:h-${identity.hash}`)).toBe(result?.digest);
    expect(await digestOf(`${repo}:latest`)).toBe(result?.digest);
  });

  it('fails the image with the registry’s words when an extra tag cannot be put; the content tag stays', async () => {
    const auth = testEnv().authRegistry.host;
    const withCredentials = createRegistryAccess({
      env: {},
      dockerConfig: { auths: { [auth]: { username: AUTH_USER, password: AUTH_PASSWORD } }, credHelpers: {} },
    });
    // Credentials that may push the image, and a retag client without them: the registry refuses the alias.
    const { run } = setup(withCredentials, createRegistryBlobClient({ access: anonymous() }));
    const [result] = (await run({ ...input('refused', ['latest']), registry: auth })).images;
    expect(result?.status).toBe('failed');
    expect(result?.error?.code).toBe('REGISTRY_AUTH');
    expect(result?.error?.message).toContain(
      `${result?.image} is in the registry, but its extra tags could not all be put:`,
    );
    const present = await createRegistryBlobClient({ access: withCredentials }).getManifest(result?.image ?? '');
    expect(present.digest).toMatch(/^sha256:/);
  });
});
