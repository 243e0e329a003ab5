// The upload part of a daemonless rebuild's floor (bench/oci-rebuild adds `imagespec tag`): one changed layer published.
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { importRepoTs } from './common.mjs';

/**
 * Measures the floor in-process with core's registry client: one fresh blob the size of
 * the layer `image` has and `previous` (the build before a one-file edit) has not, i.e.
 * the changed layer (builder-oci cuts a large source into shards, of which an edit
 * changes one), uploaded to `repository`, and `image`'s manifest put there under a new
 * tag. Returns `{ layerBytes, layers, measure }`; `measure()` resolves with seconds.
 */
export async function registryFloor(image, previous, repository, tagPrefix) {
  // From core's modules, not an entry: the floor is the registry client's own cost, wherever core exports it.
  const { createRegistryBlobClient } = await importRepoTs('packages/core/src/registry/blob-client.ts');
  const { createRegistryAccess } = await importRepoTs('packages/core/src/registry/access.ts');
  const client = createRegistryBlobClient({ access: createRegistryAccess({ env: {} }) });
  const layersOf = async (ref) => {
    const found = await client.getManifest(ref);
    return { manifest: found, layers: JSON.parse(Buffer.from(found.body).toString('utf8')).layers };
  };
  const { manifest, layers } = await layersOf(image);
  const before = new Set((await layersOf(previous)).layers.map((layer) => layer.digest));
  const changed = layers.filter((layer) => !before.has(layer.digest));
  if (changed.length !== 1) {
    throw new Error(
      `registryFloor: ${image} has ${changed.length} layers ${previous} has not; a one-file edit changes one`,
    );
  }
  const { size } = changed[0];
  let puts = 0;
  const measure = async () => {
    const started = process.hrtime.bigint();
    const blob = randomBytes(size);
    const digest = `sha256:${createHash('sha256').update(blob).digest('hex')}`;
    await client.pushBlob(repository, { digest, size, open: () => Readable.from([blob]) });
    puts += 1;
    // The manifest names blobs of another repository: the registry may refuse it, the PUT's cost is what counts.
    await client.putManifest(`${repository}:${tagPrefix}-${puts}`, manifest).catch(() => undefined);
    return Number(process.hrtime.bigint() - started) / 1e9;
  };
  return { layerBytes: size, layers: layers.length, measure };
}
