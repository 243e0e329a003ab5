import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AUTH_PASSWORD, AUTH_USER, testEnv } from '@imagespec/test-env';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistryAccess } from '../../src/registry/access.js';
import { createRegistryClient } from '../../src/registry/client.js';
import { installCredentialHelper, TEST_HELPER } from './credential-helper-fixture.js';
import { basicAuth, type PushedImage, pushTestImage } from './push-image.js';

const { authRegistry } = testEnv();
const host = authRegistry.host;
let root: string;
let image: PushedImage;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'imagespec-credentials-'));
  image = await pushTestImage({
    url: authRegistry.url,
    repository: `imagespec-test/credentials-${randomUUID().slice(0, 8)}`,
    tag: 'one',
    authorization: basicAuth(AUTH_USER, AUTH_PASSWORD),
  });
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A fresh helper folder and DOCKER_CONFIG folder holding `dockerConfig`. */
async function setup(dockerConfig: object, entries: Parameters<typeof installCredentialHelper>[1] = {}) {
  const dir = join(root, randomUUID());
  await mkdir(join(dir, 'docker'), { recursive: true });
  await writeFile(join(dir, 'docker', 'config.json'), JSON.stringify(dockerConfig));
  const helper = await installCredentialHelper(dir, entries);
  return { env: { ...helper.env, DOCKER_CONFIG: join(dir, 'docker') }, calls: helper.calls };
}

describe('credentials from the Docker config against the htpasswd registry', () => {
  it('uses the host credential helper, once per run', async () => {
    const { env, calls } = await setup(
      { credHelpers: { [host]: TEST_HELPER } },
      { [host]: { Username: AUTH_USER, Secret: AUTH_PASSWORD } },
    );
    const client = createRegistryClient({ access: createRegistryAccess({ env }) });
    expect(await client.checkManifest(image.reference)).toMatchObject({ status: 'exists', digest: image.digest });
    expect(await client.checkManifest(image.reference.replace(/:one$/, ':two'))).toEqual({ status: 'absent' });
    expect(await calls()).toEqual([`get ${host}`]);
  });

  it('falls through a credsStore that holds nothing to base64 auths', async () => {
    const { env, calls } = await setup({
      credsStore: TEST_HELPER,
      auths: { [`http://${host}/`]: { auth: Buffer.from(`${AUTH_USER}:${AUTH_PASSWORD}`).toString('base64') } },
    });
    const client = createRegistryClient({ access: createRegistryAccess({ env }) });
    expect(await client.checkManifest(image.reference)).toMatchObject({ status: 'exists', digest: image.digest });
    expect(await calls()).toEqual([`get ${host}`]);
  });

  it('lets the imagespec config name a helper that wins over the Docker config', async () => {
    const { env } = await setup(
      { auths: { [host]: { username: AUTH_USER, password: 'stale-password' } } },
      { [host]: { Username: AUTH_USER, Secret: AUTH_PASSWORD } },
    );
    const withOverride = createRegistryClient({
      access: createRegistryAccess({ env, registries: { [host]: { credHelper: TEST_HELPER } } }),
    });
    expect(await withOverride.checkManifest(image.reference)).toMatchObject({ status: 'exists' });
    const withoutOverride = createRegistryClient({ access: createRegistryAccess({ env }) });
    expect(await withoutOverride.checkManifest(image.reference)).toMatchObject({ status: 'unknown', httpStatus: 401 });
  });

  it("fails with the helper's name and its own words when it breaks", async () => {
    const { env } = await setup(
      { credHelpers: { [host]: TEST_HELPER } },
      { [host]: { fail: { stderr: 'error getting credentials - keychain is locked', exitCode: 3 } } },
    );
    const client = createRegistryClient({ access: createRegistryAccess({ env }) });
    await expect(client.checkManifest(image.reference)).rejects.toMatchObject({
      code: 'CREDENTIALS_FAILED',
      message: `The credential helper docker-credential-${TEST_HELPER} failed for ${host}: exit code 3: error getting credentials - keychain is locked`,
    });
  });

  it('fails naming a helper that is not installed', async () => {
    const { env } = await setup({ credHelpers: { [host]: 'imagespec-not-installed' } });
    const client = createRegistryClient({ access: createRegistryAccess({ env }) });
    await expect(client.checkManifest(image.reference)).rejects.toMatchObject({
      code: 'CREDENTIALS_FAILED',
      message: `The credential helper docker-credential-imagespec-not-installed failed for ${host}: it is not on PATH.`,
    });
  });
});

describe('the credential helper protocol', () => {
  it("asks for Docker Hub by Docker's server URL and reads <token> as an identity token", async () => {
    const { env, calls } = await setup(
      { credsStore: TEST_HELPER },
      { 'https://index.docker.io/v1/': { Username: '<token>', Secret: 'refresh-token-1' } },
    );
    const access = createRegistryAccess({ env });
    expect(await access.credentials('docker.io')).toEqual({ identityToken: 'refresh-token-1' });
    expect(await access.credentials('index.docker.io')).toEqual({ identityToken: 'refresh-token-1' });
    expect(await calls()).toEqual(['get https://index.docker.io/v1/']);
  });
});
