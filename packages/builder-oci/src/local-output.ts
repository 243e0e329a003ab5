import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  type RegistryBlobClient,
  TAR_BLOCK,
  tarHeaderLength,
  tarPadding,
  writeTarHeader,
} from '@imagespec/core/builder';
import type { AssembledImage, PlatformImage } from './assemble.js';
import { hostPlatform } from './base-image.js';
import type { EngineClient } from './engine-client.js';
import type { WrittenLayer } from './layer-writer.js';

interface LocalOptions {
  readonly registry: RegistryBlobClient;
  readonly baseRepository: string;
  readonly image: string;
  readonly engine: EngineClient | undefined;
  readonly output: 'auto' | 'engine' | 'oci-layout';
  readonly layoutDir: string;
  readonly cwd: string;
  readonly signal: AbortSignal;
}

/** A file of an archive: its size up front, its bytes as a stream. */
interface ArchiveFile {
  readonly name: string;
  readonly size: number;
  read(): AsyncIterable<Uint8Array>;
}

/**
 * An image without a registry: loaded into the local engine (`docker load` of a
 * docker-archive streamed from the base's registry and the layer files) when one answers,
 * else written as an OCI image layout. Returns where it went, for the log.
 */
export async function writeLocalImage(
  image: AssembledImage,
  layers: readonly WrittenLayer[],
  options: LocalOptions,
): Promise<string> {
  const files = blobFiles(image, layers, options);
  if (options.engine) {
    const host = hostPlatform();
    const chosen =
      image.platforms.find((p) => p.platform.os === host.os && p.platform.architecture === host.architecture) ??
      image.platforms[0]!;
    await options.engine.load(Readable.from(tarOf(dockerArchive(chosen, files, options.image))), options.signal);
    return `loaded into the engine at ${options.engine.describe()} (${chosen.platform.os}/${chosen.platform.architecture})`;
  }
  const dir = layoutPath(options.cwd, options.layoutDir, options.image);
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  const written = new Set<string>();
  const all = [
    ...image.platforms.flatMap((p) => p.base.manifest.layers.map((l) => l.digest)),
    ...layers.map((l) => l.digest),
  ];
  for (const digest of [
    ...all,
    ...image.platforms.flatMap((p) => [p.config.digest, p.manifest.digest]),
    image.top.digest,
  ]) {
    if (written.has(digest)) continue;
    written.add(digest);
    const file = files.get(digest)!;
    await pipeline(
      Readable.from(file.read()),
      createWriteStream(join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length))),
      {
        signal: options.signal,
      },
    );
  }
  await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  const tag = options.image.slice(options.image.lastIndexOf(':') + 1);
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: image.top.mediaType,
          digest: image.top.digest,
          size: image.top.size,
          annotations: { 'org.opencontainers.image.ref.name': tag, 'io.containerd.image.name': options.image },
        },
      ],
    }),
  );
  return `written as an OCI layout at ${dir} (no engine: ${options.output === 'oci-layout' ? "output: 'oci-layout'" : 'none answers'})`;
}

/** The OCI layout folder of an image: one per image name and tag under `layoutDir`. */
export function layoutPath(cwd: string, layoutDir: string, image: string): string {
  return resolve(cwd, layoutDir, image.replace(/[^\w.-]+/g, '_'));
}

/** Every blob of the image by digest: base layers from the registry, new layers from their files, configs and manifests from memory. */
function blobFiles(
  image: AssembledImage,
  layers: readonly WrittenLayer[],
  options: LocalOptions,
): Map<string, ArchiveFile> {
  const files = new Map<string, ArchiveFile>();
  const bytes = (digest: string, data: Uint8Array) =>
    files.set(digest, {
      name: digest,
      size: data.length,
      read: async function* () {
        yield data;
      },
    });
  for (const platform of image.platforms) {
    for (const layer of platform.base.manifest.layers) {
      files.set(layer.digest, {
        name: layer.digest,
        size: layer.size,
        read: () => options.registry.readBlob(options.baseRepository, layer.digest, { signal: options.signal }),
      });
    }
    bytes(platform.config.digest, platform.config.body);
    bytes(platform.manifest.digest, platform.manifest.body);
  }
  for (const layer of layers)
    files.set(layer.digest, { name: layer.digest, size: layer.size, read: () => createReadStream(layer.file) });
  bytes(image.top.digest, image.top.body);
  return files;
}

/** docker-archive (what `docker load` reads): config, gzipped layers and manifest.json. */
function* dockerArchive(
  platform: PlatformImage,
  files: Map<string, ArchiveFile>,
  image: string,
): Generator<ArchiveFile> {
  const hex = (digest: string) => digest.slice('sha256:'.length);
  const layerDigests = (
    JSON.parse(Buffer.from(platform.manifest.body).toString('utf8')) as { layers: { digest: string }[] }
  ).layers.map((l) => l.digest);
  const config = files.get(platform.config.digest)!;
  yield { ...config, name: `${hex(platform.config.digest)}.json` };
  for (const digest of new Set(layerDigests)) yield { ...files.get(digest)!, name: `${hex(digest)}.tar.gz` };
  const manifest = Buffer.from(
    JSON.stringify([
      {
        Config: `${hex(platform.config.digest)}.json`,
        RepoTags: [image],
        Layers: layerDigests.map((d) => `${hex(d)}.tar.gz`),
      },
    ]),
  );
  yield {
    name: 'manifest.json',
    size: manifest.length,
    read: async function* () {
      yield manifest;
    },
  };
}

/** A plain tar of the files, streamed. */
async function* tarOf(files: Iterable<ArchiveFile>): AsyncGenerator<Uint8Array> {
  for (const file of files) {
    const header = Buffer.alloc(tarHeaderLength(file.name, ''));
    writeTarHeader(header, 0, file.name, 'file', 0o644, file.size, '');
    yield header;
    let size = 0;
    for await (const chunk of file.read()) {
      size += chunk.length;
      yield chunk;
    }
    if (size !== file.size) throw new Error(`${file.name}: ${size} bytes where ${file.size} were announced`);
    yield Buffer.alloc(tarPadding(file.size));
  }
  yield Buffer.alloc(2 * TAR_BLOCK);
}
