import { randomUUID } from 'node:crypto';
import { AUTH_PASSWORD, AUTH_USER, testEnv } from '@imagespec/test-env';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegistryAccess, RegistryCredentials } from '../../src/contract/builder.js';
import { createRegistryAccess } from '../../src/registry/access.js';
import { createRegistryClient } from '../../src/registry/client.js';
import { type LocalServer, startHttpServer, startRawServer, unusedPort } from './local-servers.js';
import { basicAuth, type PushedImage, pushTestImage, pushTestIndex, sha256 } from './push-image.js';

function accessWith(credentials: Record<string, RegistryCredentials> = {}, insecure = true): RegistryAccess {
  return { credentials: async (host) => credentials[host], insecure: () => insecure, mirror: (reference) => reference };
}

/** Records what went over the wire, to show which requests a check made. */
function recordingFetch(log: string[]): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const auth = new Headers(init?.headers).get('authorization')?.split(' ')[0] ?? 'anonymous';
    log.push(`${init?.method ?? 'GET'} ${response.status} ${auth}`);
    return response;
  };
}

const run = randomUUID().slice(0, 8);

describe('registry client against the open registry', () => {
  const { registry } = testEnv();
  const repository = `imagespec-test/client-${run}`;
  let image: PushedImage;
  let index: PushedImage;

  beforeAll(async () => {
    image = await pushTestImage({ url: registry.url, repository, tag: 'one' });
    index = await pushTestIndex({ url: registry.url, repository, tag: 'multi' }, image);
  });

  const client = createRegistryClient({ access: accessWith() });

  it('finds a pushed manifest with its digest and media type', async () => {
    expect(await client.checkManifest(image.reference)).toEqual({
      status: 'exists',
      digest: image.digest,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
    });
  });

  it('finds an index by tag and a manifest by digest', async () => {
    expect(await client.checkManifest(index.reference)).toMatchObject({
      status: 'exists',
      digest: index.digest,
      mediaType: 'application/vnd.oci.image.index.v1+json',
    });
    expect(await client.checkManifest(`${registry.host}/${repository}@${image.digest}`)).toMatchObject({
      status: 'exists',
      digest: image.digest,
    });
  });

  it('says absent for an unknown tag, an unknown digest and an unknown repository', async () => {
    expect(await client.checkManifest(`${registry.host}/${repository}:missing`)).toEqual({ status: 'absent' });
    expect(await client.checkManifest(`${registry.host}/${repository}@${sha256(Buffer.from('nothing'))}`)).toEqual({
      status: 'absent',
    });
    expect(await client.checkManifest(`${registry.host}/imagespec-test/no-such-repo-${run}:x`)).toEqual({
      status: 'absent',
    });
  });

  it('resolves digests and reads manifests whose bytes hash to their digest', async () => {
    expect(await client.resolveDigest(image.reference)).toBe(image.digest);
    expect(await client.resolveDigest(index.reference)).toBe(index.digest);
    const manifest = await client.getManifest(index.reference);
    expect(manifest.digest).toBe(index.digest);
    expect(manifest.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(sha256(Buffer.from(manifest.body))).toBe(index.digest);
    expect(manifest.manifest).toMatchObject({ schemaVersion: 2, manifests: [{ digest: image.digest }] });
  });

  it('fails resolveDigest of a missing tag with the registry words', async () => {
    const error = await client.resolveDigest(`${registry.host}/${repository}:missing`).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ImagespecError', code: 'REGISTRY_ERROR', details: { httpStatus: 404 } });
    expect((error as Error).message).toContain('MANIFEST_UNKNOWN: manifest unknown');
  });

  it('resolves a base image through the configured mirror, as a pull would', async () => {
    const mirror = `${registry.host}/imagespec-test/hub-${run}`;
    const hubImage = await pushTestImage({
      url: registry.url,
      repository: `imagespec-test/hub-${run}/library/busybox`,
      tag: '1.36',
    });
    const access = createRegistryAccess({
      env: {},
      dockerConfig: { auths: {}, credHelpers: {} },
      mirrors: { 'docker.io/': `${mirror}/` },
    });
    const viaMirror = createRegistryClient({ access });
    expect(await viaMirror.resolveDigest('busybox:1.36')).toBe(hubImage.digest);
    expect((await viaMirror.getManifest('docker.io/library/busybox:1.36')).digest).toBe(hubImage.digest);
  });

  it('speaks HTTPS to a registry not marked insecure, and says why that failed', async () => {
    const strict = createRegistryClient({ access: accessWith({}, false) });
    const check = await strict.checkManifest(image.reference);
    expect(check.status).toBe('unknown');
    expect(check).toMatchObject({
      reason: expect.stringContaining(`https://${registry.host}/v2/${repository}/manifests/one`),
    });
  });

  it('rejects an aborted check with CANCELLED instead of answering', async () => {
    const controller = new AbortController();
    controller.abort(new Error('user pressed ctrl-c'));
    await expect(client.checkManifest(image.reference, { signal: controller.signal })).rejects.toMatchObject({
      code: 'CANCELLED',
    });
  });

  it('rejects an invalid reference with IMAGE_REF_INVALID', async () => {
    await expect(client.checkManifest('Not A Ref')).rejects.toMatchObject({ code: 'IMAGE_REF_INVALID' });
  });
});

describe('registry client against the htpasswd registry', () => {
  const { authRegistry } = testEnv();
  const repository = `imagespec-test/auth-${run}`;
  let image: PushedImage;

  beforeAll(async () => {
    image = await pushTestImage({
      url: authRegistry.url,
      repository,
      tag: 'one',
      authorization: basicAuth(AUTH_USER, AUTH_PASSWORD),
    });
  });

  it('answers the Basic challenge with the credentials, then sends them up front', async () => {
    const log: string[] = [];
    const client = createRegistryClient({
      access: accessWith({ [authRegistry.host]: { username: AUTH_USER, password: AUTH_PASSWORD } }),
      fetch: recordingFetch(log),
    });
    expect(await client.checkManifest(image.reference)).toEqual({
      status: 'exists',
      digest: image.digest,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
    });
    expect(await client.checkManifest(`${authRegistry.host}/${repository}:missing`)).toEqual({ status: 'absent' });
    expect(log).toEqual(['HEAD 401 anonymous', 'HEAD 200 Basic', 'HEAD 404 Basic']);
  });

  it('is unknown, with the registry words, for a wrong password', async () => {
    const client = createRegistryClient({
      access: accessWith({ [authRegistry.host]: { username: AUTH_USER, password: 'wrong' } }),
    });
    const check = await client.checkManifest(image.reference);
    expect(check).toMatchObject({ status: 'unknown', httpStatus: 401 });
    expect(check.status === 'unknown' && check.reason).toContain('UNAUTHORIZED: authentication required');
  });

  it('is unknown when the registry wants a login and there are no credentials', async () => {
    const client = createRegistryClient({ access: accessWith() });
    const check = await client.checkManifest(image.reference);
    expect(check).toEqual({
      status: 'unknown',
      httpStatus: 401,
      reason: `Registry ${authRegistry.host} requires a login, and no credentials for ${authRegistry.host} were found.`,
      hint: `Run \`docker login ${authRegistry.host}\`, or add ${authRegistry.host} to the auths or credHelpers of your Docker config.`,
    });
  });
});

describe('registry client with answers that are not a yes or a no', () => {
  const servers: LocalServer[] = [];
  const client = createRegistryClient({ access: accessWith(), timeoutMs: 500 });
  const start = async (server: Promise<LocalServer>) => {
    const started = await server;
    servers.push(started);
    return started;
  };

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.close()));
  });

  it('is unknown when nothing listens on the port', async () => {
    const port = await unusedPort();
    const check = await client.checkManifest(`127.0.0.1:${port}/app:1`);
    expect(check.status).toBe('unknown');
    expect(check.status === 'unknown' && check.reason).toContain(`connect ECONNREFUSED 127.0.0.1:${port}`);
  });

  it('is unknown on a 503, with the error text the GET returns', async () => {
    const server = await start(
      startHttpServer((req, res) => {
        res.writeHead(503, { 'Content-Type': 'application/json', 'Docker-Distribution-Api-Version': 'registry/2.0' });
        res.end(
          req.method === 'GET'
            ? JSON.stringify({ errors: [{ code: 'UNAVAILABLE', message: 'storage backend down' }] })
            : undefined,
        );
      }),
    );
    expect(await client.checkManifest(`${server.host}/app:1`)).toEqual({
      status: 'unknown',
      httpStatus: 503,
      reason: `GET ${server.url}/v2/app/manifests/1 for ${server.host}/app:1 answered HTTP 503 Service Unavailable: UNAVAILABLE: storage backend down`,
      hint: 'The registry failed; try again later or ask its operator.',
    });
  });

  it('never reads a 404 from something that is not a registry as absent', async () => {
    const server = await start(
      startHttpServer((_req, res) => {
        res.writeHead(404, { 'Content-Type': 'text/html' });
        res.end('<html><body>Not Found</body></html>');
      }),
    );
    expect(await client.checkManifest(`${server.host}/app:1`)).toMatchObject({
      status: 'unknown',
      httpStatus: 404,
      reason: expect.stringContaining('HTTP 404 Not Found: <html><body>Not Found</body></html>'),
    });
  });

  it('never reads a 200 that is not a manifest as exists', async () => {
    const server = await start(
      startHttpServer((_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/html' });
        res.end('<html>welcome</html>');
      }),
    );
    expect(await client.checkManifest(`${server.host}/app:1`)).toMatchObject({
      status: 'unknown',
      httpStatus: 200,
      reason: expect.stringContaining('but not with an image manifest: <html>welcome</html>'),
    });
  });

  it('refuses a manifest whose bytes do not hash to the digest asked for', async () => {
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      layers: [],
    });
    const server = await start(
      startHttpServer((_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' });
        res.end(manifest);
      }),
    );
    const asked = sha256(Buffer.from('another manifest'));
    await expect(client.getManifest(`${server.host}/app@${asked}`)).rejects.toMatchObject({
      code: 'REGISTRY_ERROR',
      message: `Registry ${server.host} served ${server.host}/app@${asked} with content whose digest is ${sha256(Buffer.from(manifest))}.`,
    });
    expect((await client.getManifest(`${server.host}/app@${sha256(Buffer.from(manifest))}`)).digest).toBe(
      sha256(Buffer.from(manifest)),
    );
  });

  it('is unknown when the answer is not HTTP', async () => {
    const server = await start(startRawServer('SSH-2.0-OpenSSH_9.2\r\n'));
    const check = await client.checkManifest(`${server.host}/app:1`);
    expect(check.status).toBe('unknown');
    expect(check.status === 'unknown' && check.reason).toContain(`Cannot reach ${server.url}/v2/app/manifests/1`);
  });

  it('is unknown when the registry does not answer in time', async () => {
    const server = await start(startHttpServer(() => {}));
    expect(await client.checkManifest(`${server.host}/app:1`)).toEqual({
      status: 'unknown',
      reason: `No answer from ${server.url}/v2/app/manifests/1 within 0.5 s.`,
      hint: 'Check that the registry is up and reachable from here.',
    });
  });
});
