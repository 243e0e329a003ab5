// Several platforms: an index over one manifest per platform, read back through the registry API.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { createRegistryAccess, createRegistryBlobClient } from '@imagespec/core/registry';
import { AUTH_PASSWORD, AUTH_USER, testEnv } from '@imagespec/test-env';
import { describe, expect, it } from 'vitest';
import {
  makeProject,
  registryAccess,
  registryManifest,
  resolveSpec,
  runEngine,
  uniqueName,
} from '../test/e2e-harness.js';

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/** A two-platform base in the open registry: busybox's layers under an amd64 and an arm64 config. */
async function pushTwoPlatformBase(): Promise<string> {
  const { registry, baseImages } = testEnv();
  const client = createRegistryBlobClient({
    access: createRegistryAccess({ env: {}, dockerConfig: { auths: {}, credHelpers: {} } }),
  });
  const repo = `${registry.host}/${uniqueName('base')}`;
  const busybox = await client.getManifest(baseImages.busybox);
  const manifest = JSON.parse(Buffer.from(busybox.body).toString('utf8'));
  const source = baseImages.busybox.replace(/:[^:/]+$/, '');
  const chunks: Uint8Array[] = [];
  for await (const chunk of client.readBlob(source, manifest.config.digest)) chunks.push(chunk);
  const config = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  const entries = [];
  for (const architecture of ['amd64', 'arm64']) {
    const bytes = Buffer.from(JSON.stringify({ ...config, architecture }));
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    await client.pushBlob(repo, { digest, size: bytes.length, open: () => Readable.from([bytes]) });
    for (const layer of manifest.layers) await client.mountBlob(repo, layer.digest, source);
    const body = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest, size: bytes.length },
        layers: manifest.layers.map((l: { digest: string; size: number }) => ({
          mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
          digest: l.digest,
          size: l.size,
        })),
      }),
    );
    const child = await client.putManifest(`${repo}:${architecture}`, {
      mediaType: OCI_MANIFEST,
      body,
    });
    entries.push({
      mediaType: OCI_MANIFEST,
      digest: child,
      size: body.length,
      platform: { os: 'linux', architecture },
    });
  }
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: entries }));
  await client.putManifest(`${repo}:multi`, { mediaType: OCI_INDEX, body: index });
  return `${repo}:multi`;
}

describe('builder-oci platforms and auth', () => {
  it('writes an index with one manifest per platform, each on its base with the same new layer', async () => {
    const { registry } = testEnv();
    const base = await pushTwoPlatformBase();
    const dir = await makeProject({ 'hello.txt': 'hello\n' });
    const name = uniqueName('multi');
    const { summary } = await runEngine([
      resolveSpec(
        {
          name,
          registry: registry.host,
          baseImage: base,
          platform: ['linux/amd64', 'linux/arm64'],
          copy: ['hello.txt'],
        },
        dir,
      ),
    ]);
    expect(summary.images[0]).toMatchObject({ status: 'pushed' });
    const tag = summary.images[0]!.image.split(':').pop()!;
    const index = await registryManifest(registry.url, name, tag);
    expect(index.mediaType).toBe(OCI_INDEX);
    const manifests = index.body!.manifests as {
      digest: string;
      mediaType: string;
      platform: { os: string; architecture: string };
    }[];
    expect(manifests.map((m) => `${m.platform.os}/${m.platform.architecture}`)).toEqual(['linux/amd64', 'linux/arm64']);
    const children = await Promise.all(manifests.map((m) => registryManifest(registry.url, name, m.digest)));
    const layers = children.map((child) => (child.body!.layers as { digest: string }[]).map((l) => l.digest));
    expect(layers[0]!.at(-1)).toBe(layers[1]!.at(-1));
    for (const [i, child] of children.entries()) {
      const configDigest = (child.body!.config as { digest: string }).digest;
      const config = (await (await fetch(`${registry.url}/v2/${name}/blobs/${configDigest}`)).json()) as Record<
        string,
        unknown
      >;
      expect(config.architecture).toBe(manifests[i]!.platform.architecture);
      expect((config.rootfs as { diff_ids: string[] }).diff_ids).toHaveLength(layers[i]!.length);
    }
  });

  it('fails naming the platforms a base lacks', async () => {
    const { registry, baseImages } = testEnv();
    const dir = await makeProject({ 'hello.txt': 'hello\n' });
    const { summary } = await runEngine([
      resolveSpec(
        {
          name: uniqueName('noarch'),
          registry: registry.host,
          baseImage: baseImages.busybox,
          platform: 'linux/s390x',
          copy: ['hello.txt'],
        },
        dir,
      ),
    ]);
    expect(summary.images[0]?.error?.message).toContain('has no linux/s390x (it has linux/amd64)');
  });

  it('pushes to the htpasswd registry with the credentials of the Docker config (base copied across registries)', async () => {
    const { authRegistry, baseImages } = testEnv();
    const dir = await makeProject({ 'hello.txt': 'hello\n' });
    const access = registryAccess({
      auths: { [authRegistry.host]: { auth: Buffer.from(`${AUTH_USER}:${AUTH_PASSWORD}`).toString('base64') } },
    });
    const name = uniqueName('auth');
    const { summary } = await runEngine(
      [
        resolveSpec(
          {
            name,
            registry: authRegistry.host,
            baseImage: baseImages.busybox,
            copy: ['hello.txt'],
            verify: ['test -f /root/hello.txt'],
          },
          dir,
        ),
      ],
      { access },
    );
    expect(summary.images[0]).toMatchObject({ status: 'pushed' });
  });
});
