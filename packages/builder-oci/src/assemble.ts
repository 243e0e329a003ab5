import { createHash } from 'node:crypto';
import type { ResolvedImageSpec } from '@imagespec/core/builder';
import type { BaseForPlatform, BaseImage, Descriptor, Platform } from './base-image.js';
import { computeImageConfig } from './image-config.js';
import type { MediaTypes } from './media-types.js';

/** One platform's image: config and manifest as the bytes that are pushed. */
export interface PlatformImage {
  readonly platform: Platform;
  readonly base: BaseForPlatform;
  readonly config: ContentBlob;
  readonly manifest: ContentBlob & { readonly mediaType: string };
}

export interface ContentBlob {
  readonly digest: string;
  readonly size: number;
  readonly body: Uint8Array;
}

export interface NewLayerBlob {
  readonly digest: string;
  readonly size: number;
  readonly diffId: string;
  readonly createdBy: string;
}

/** The image: one manifest, or an index over one manifest per platform when several are asked for. */
export interface AssembledImage {
  readonly platforms: readonly PlatformImage[];
  /** The manifest or index the tag points at. */
  readonly top: ContentBlob & { readonly mediaType: string };
}

export function blobOf(body: Uint8Array): ContentBlob {
  return { digest: `sha256:${createHash('sha256').update(body).digest('hex')}`, size: body.length, body };
}

function json(value: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

/** Config, manifest and (several platforms) index of the image. Pure: same inputs, same bytes. */
export function assembleImage(
  base: BaseImage,
  spec: ResolvedImageSpec,
  hash: string,
  layers: readonly NewLayerBlob[],
  options: { readonly index: boolean },
): AssembledImage {
  const family: MediaTypes = base.family;
  const platforms = base.platforms.map((platformBase): PlatformImage => {
    const config = blobOf(json(computeImageConfig(platformBase.config, spec, hash, layers)));
    const manifest = {
      schemaVersion: 2,
      mediaType: family.manifest,
      config: { mediaType: family.config, digest: config.digest, size: config.size },
      layers: [
        ...platformBase.manifest.layers,
        ...layers.map((layer): Descriptor => ({ mediaType: family.layer, digest: layer.digest, size: layer.size })),
      ],
    };
    return {
      platform: platformBase.platform,
      base: platformBase,
      config,
      manifest: { ...blobOf(json(manifest)), mediaType: family.manifest },
    };
  });
  if (!options.index) return { platforms, top: platforms[0]!.manifest };
  const index = {
    schemaVersion: 2,
    mediaType: family.index,
    manifests: platforms.map((image) => ({
      mediaType: image.manifest.mediaType,
      digest: image.manifest.digest,
      size: image.manifest.size,
      platform: {
        architecture: image.platform.architecture,
        os: image.platform.os,
        ...(image.platform.variant && { variant: image.platform.variant }),
      },
    })),
  };
  return { platforms, top: { ...blobOf(json(index)), mediaType: family.index } };
}
