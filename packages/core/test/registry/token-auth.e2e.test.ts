import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegistryAccess, RegistryCredentials } from '../../src/contract/builder.js';
import { createRegistryClient } from '../../src/registry/client.js';
import { type PushedImage, pushTestImage } from './push-image.js';
import { startTokenRegistry, type TokenRegistry } from './token-registry.js';

function accessWith(credentials?: RegistryCredentials): RegistryAccess {
  return { credentials: async () => credentials, insecure: () => true, mirror: (reference) => reference };
}

describe('registry client against a docker-registry with bearer token auth', () => {
  let registry: TokenRegistry;
  let image: PushedImage;
  const repository = 'acme/app';

  beforeAll(async () => {
    registry = await startTokenRegistry({
      users: { alice: 'alice-password' },
      refreshTokens: { 'refresh-alice': 'alice' },
    });
    image = await pushTestImage({
      url: registry.url,
      repository,
      tag: 'one',
      authorization: registry.authorization(repository, ['pull', 'push']),
    });
  });

  afterAll(async () => {
    await registry?.close();
  });

  it('is a registry that really checks token signatures (so the tests below mean something)', async () => {
    const good = registry.authorization(repository, ['pull']);
    const forged = `${good.slice(0, -8)}AAAAAAAA`;
    const status = async (authorization: string) => {
      const response = await fetch(`${registry.url}/v2/${repository}/manifests/one`, {
        method: 'HEAD',
        headers: { Authorization: authorization, Accept: 'application/vnd.oci.image.manifest.v1+json' },
      });
      return response.status;
    };
    expect([await status(good), await status(forged)]).toEqual([200, 401]);
  });

  it('gets a token for the pull scope with basic credentials and reuses it for the same scope', async () => {
    registry.requests.length = 0;
    const client = createRegistryClient({ access: accessWith({ username: 'alice', password: 'alice-password' }) });
    expect(await client.checkManifest(image.reference)).toEqual({
      status: 'exists',
      digest: image.digest,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
    });
    expect(await client.checkManifest(image.reference.replace(/:one$/, ':two'))).toEqual({ status: 'absent' });
    expect(await client.resolveDigest(image.reference)).toBe(image.digest);
    expect(registry.requests).toEqual([
      { method: 'GET', account: 'alice', scopes: [`repository:${repository}:pull`], status: 200 },
    ]);
  });

  it('shares one token request among concurrent checks of one repository', async () => {
    registry.requests.length = 0;
    const client = createRegistryClient({ access: accessWith({ username: 'alice', password: 'alice-password' }) });
    const checks = await Promise.all([1, 2, 3].map(() => client.checkManifest(image.reference)));
    expect(checks.map((c) => c.status)).toEqual(['exists', 'exists', 'exists']);
    expect(registry.requests).toHaveLength(1);
  });

  it('asks for a new token for another repository', async () => {
    registry.requests.length = 0;
    const client = createRegistryClient({ access: accessWith({ username: 'alice', password: 'alice-password' }) });
    await client.checkManifest(image.reference);
    expect(await client.checkManifest(`${registry.host}/acme/other:1`)).toEqual({ status: 'absent' });
    expect(registry.requests.map((r) => r.scopes)).toEqual([
      [`repository:${repository}:pull`],
      ['repository:acme/other:pull'],
    ]);
  });

  it('trades an identity token for an access token with the OAuth2 refresh grant', async () => {
    registry.requests.length = 0;
    const client = createRegistryClient({ access: accessWith({ identityToken: 'refresh-alice' }) });
    expect(await client.checkManifest(image.reference)).toMatchObject({ status: 'exists', digest: image.digest });
    expect(registry.requests).toEqual([
      {
        method: 'POST',
        account: 'alice',
        grant: 'refresh_token',
        scopes: [`repository:${repository}:pull`],
        status: 200,
      },
    ]);
  });

  it("is unknown with the token server's words for a wrong password", async () => {
    const client = createRegistryClient({ access: accessWith({ username: 'alice', password: 'wrong' }) });
    expect(await client.checkManifest(image.reference)).toEqual({
      status: 'unknown',
      httpStatus: 401,
      reason: `The token server of ${registry.host} (${registry.realm}) refused a token for repository:${repository}:pull as alice: HTTP 401 Unauthorized: {"details":"incorrect username or password"}`,
      hint: `Check the credentials for ${registry.host} in your Docker config or credential helper (\`docker login ${registry.host}\` refreshes them).`,
    });
  });

  it("is unknown with the registry's words when an anonymous token grants nothing", async () => {
    const client = createRegistryClient({ access: accessWith(undefined) });
    const check = await client.checkManifest(image.reference);
    expect(check).toMatchObject({ status: 'unknown', httpStatus: 401 });
    expect(check.status === 'unknown' && check.reason).toMatch(
      new RegExp(
        `^Registry ${registry.host} refused access to ${registry.host}/${repository}:one \\(GET .*\\): HTTP 401 Unauthorized: UNAUTHORIZED: authentication required`,
      ),
    );
  });
});
