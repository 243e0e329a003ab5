import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistryAccess } from '../../src/registry/access.js';
import { createRegistryClient } from '../../src/registry/client.js';
import { createHttpFetch } from '../../src/registry/http-fetch.js';
import { type PushedImage, pushTestImage } from './push-image.js';
import { startTlsRegistry, type TlsRegistry } from './tls-registry.js';

const noDockerConfig = { auths: {}, credHelpers: {} };

describe('registry client against a docker-registry on HTTPS with a private CA', () => {
  let registry: TlsRegistry;
  let image: PushedImage;

  beforeAll(async () => {
    registry = await startTlsRegistry();
    image = await pushTestImage({
      url: registry.url,
      repository: 'acme/tls',
      tag: 'one',
      fetch: createHttpFetch({ ca: registry.caPem }),
    });
  });

  afterAll(async () => {
    await registry?.close();
  });

  it('is unknown, with the TLS error and a hint, when the CA is not configured', async () => {
    const access = createRegistryAccess({
      env: {},
      dockerConfig: noDockerConfig,
      registries: { [registry.host]: { insecure: false } },
    });
    const client = createRegistryClient({ access });
    const check = await client.checkManifest(image.reference);
    expect(check).toEqual({
      status: 'unknown',
      reason: `Cannot reach https://${registry.host}/v2/acme/tls/manifests/one: unable to verify the first certificate`,
      hint: `If the registry speaks plain HTTP, mark it insecure in the imagespec config (registries: { '${registry.host}': { insecure: true } }); if its certificate comes from a private CA, name the CA's PEM file there (registries: { '${registry.host}': { ca: '/path/ca.pem' } }).`,
    });
  });

  it('trusts the CA file named in the registry settings', async () => {
    const access = createRegistryAccess({
      env: {},
      dockerConfig: noDockerConfig,
      registries: { [registry.host]: { ca: registry.caFile } },
    });
    const client = createRegistryClient({ access });
    expect(await client.checkManifest(image.reference)).toEqual({
      status: 'exists',
      digest: image.digest,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
    });
    expect(await client.checkManifest(image.reference.replace(/:one$/, ':two'))).toEqual({ status: 'absent' });
    expect((await client.getManifest(image.reference)).digest).toBe(image.digest);
  });

  it('fails with CONFIG_INVALID naming a CA file that does not exist', async () => {
    const missing = join(registry.caFile, '..', 'missing.pem');
    const access = createRegistryAccess({
      env: {},
      dockerConfig: noDockerConfig,
      registries: { [registry.host]: { ca: missing } },
    });
    await expect(createRegistryClient({ access }).checkManifest(image.reference)).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining(`Cannot read the CA file ${missing} configured for registry ${registry.host}`),
    });
  });
});
