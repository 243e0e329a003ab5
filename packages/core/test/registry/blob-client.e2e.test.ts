// The blob client (what builder-oci writes with) against real docker-registry processes:
// the open one and the htpasswd one from test-env, and one on HTTPS with a private CA.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { AUTH_PASSWORD, AUTH_USER, testEnv } from '@imagespec/test-env';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistryAccess } from '../../src/registry/access.js';
import { createRegistryBlobClient } from '../../src/registry/blob-client.js';
import { startTlsRegistry, type TlsRegistry } from './tls-registry.js';

const run = randomUUID().slice(0, 8);
const digestOf = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

function blob(bytes: Buffer) {
  return {
    digest: digestOf(bytes),
    size: bytes.length,
    open: () => Readable.from([bytes.subarray(0, 7), bytes.subarray(7)]),
  };
}

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const all: Uint8Array[] = [];
  for await (const chunk of chunks) all.push(chunk);
  return Buffer.concat(all);
}

/** A whole image written through the client: two blobs, a manifest by digest, then the tag. */
async function roundTrip(client: ReturnType<typeof createRegistryBlobClient>, host: string) {
  const repo = `${host}/imagespec-test/blobs-${run}`;
  const layer = randomBytes(100_000);
  const config = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }),
  );
  expect(await client.hasBlob(repo, digestOf(layer))).toBe(false);
  await client.pushBlob(repo, blob(layer));
  await client.pushBlob(repo, blob(config));
  expect(await client.hasBlob(repo, digestOf(layer))).toBe(true);
  expect((await collect(client.readBlob(repo, digestOf(layer)))).equals(layer)).toBe(true);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digestOf(config), size: config.length },
      layers: [
        { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: digestOf(layer), size: layer.length },
      ],
    }),
  );
  const mediaType = 'application/vnd.oci.image.manifest.v1+json';
  const digest = await client.putManifest(`${repo}@${digestOf(manifest)}`, { mediaType, body: manifest });
  expect(digest).toBe(digestOf(manifest));
  await expect(client.getManifest(`${repo}:one`)).rejects.toMatchObject({ code: 'REGISTRY_ERROR' });
  await client.putManifest(`${repo}:one`, { mediaType, body: manifest });
  const got = await client.getManifest(`${repo}:one`);
  expect(got).toMatchObject({ digest, mediaType });
  expect(Buffer.from(got.body).equals(manifest)).toBe(true);
  return { repo, layer };
}

describe('registry blob client', () => {
  it('uploads, finds, reads and mounts blobs and puts manifests by digest and tag (open registry)', async () => {
    const { registry } = testEnv();
    const client = createRegistryBlobClient({
      access: createRegistryAccess({ env: {}, dockerConfig: { auths: {}, credHelpers: {} } }),
    });
    const { repo, layer } = await roundTrip(client, registry.host);
    const other = `${registry.host}/imagespec-test/blobs-${run}-mounted`;
    expect(await client.mountBlob(other, digestOf(layer), repo)).toBe(true);
    expect(await client.hasBlob(other, digestOf(layer))).toBe(true);
    // Another registry cannot mount: the caller copies instead.
    expect(await client.mountBlob(other, digestOf(layer), `127.0.0.9:1/${repo.split('/').slice(1).join('/')}`)).toBe(
      false,
    );
  });

  it('fails with the registry words for a corrupt upload (digest mismatch)', async () => {
    const { registry } = testEnv();
    const client = createRegistryBlobClient({
      access: createRegistryAccess({ env: {}, dockerConfig: { auths: {}, credHelpers: {} } }),
    });
    const bytes = randomBytes(1000);
    await expect(
      client.pushBlob(`${registry.host}/imagespec-test/blobs-${run}`, {
        ...blob(bytes),
        digest: digestOf(Buffer.from('x')),
      }),
    ).rejects.toMatchObject({ code: 'REGISTRY_ERROR', message: expect.stringContaining('DIGEST_INVALID') });
  });

  it('authenticates with basic credentials (htpasswd registry) and refuses without them', async () => {
    const { authRegistry } = testEnv();
    const withLogin = createRegistryAccess({
      env: {},
      dockerConfig: {
        auths: { [authRegistry.host]: { username: AUTH_USER, password: AUTH_PASSWORD } },
        credHelpers: {},
      },
    });
    await roundTrip(createRegistryBlobClient({ access: withLogin }), authRegistry.host);
    const anonymous = createRegistryBlobClient({
      access: createRegistryAccess({ env: {}, dockerConfig: { auths: {}, credHelpers: {} } }),
    });
    await expect(
      anonymous.pushBlob(`${authRegistry.host}/imagespec-test/blobs-${run}`, blob(randomBytes(10))),
    ).rejects.toMatchObject({ code: 'REGISTRY_AUTH' });
  });

  describe('on HTTPS with a private CA', () => {
    let tls: TlsRegistry;
    beforeAll(async () => {
      tls = await startTlsRegistry();
    });
    afterAll(() => tls?.close());

    it('trusts the CA configured for the registry', async () => {
      const access = createRegistryAccess({
        env: {},
        dockerConfig: { auths: {}, credHelpers: {} },
        registries: { [tls.host]: { ca: tls.caFile } },
      });
      await roundTrip(createRegistryBlobClient({ access }), tls.host);
    });
  });
});
