import { rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { BasePartResult, ImageResult, ImageStatus } from '@imagespec/core/engine';
import { ImagespecError } from '@imagespec/core/errors';
import { parseImageRef } from '@imagespec/core/image-ref';

/** One image's entry in the metadata file: buildx bake's keys, then imagespec's own. */
export interface ImageMetadata {
  readonly 'image.name': string;
  readonly 'containerimage.digest'?: string;
  readonly name: string;
  readonly image: string;
  readonly tag?: string;
  readonly hash: string;
  readonly digest?: string;
  readonly builder?: string;
  readonly status: ImageStatus;
  readonly durationMs: number;
  readonly error?: ImageResult['error'];
  /** A split build's base part (image, hash, status, and its builder when this run built it). */
  readonly split?: BasePartResult;
}

/**
 * The `--metadata-file` document: keyed by spec name, as `docker buildx bake --metadata-file`
 * keys by target, so scripts written for bake (`jq '.app["containerimage.digest"]'`) work as is.
 */
export function renderMetadata(images: readonly ImageResult[]): Record<string, ImageMetadata> {
  const out: Record<string, ImageMetadata> = {};
  for (const image of images) {
    const tag = tagOf(image.image);
    out[image.name] = {
      'image.name': image.image,
      ...(image.digest && { 'containerimage.digest': image.digest }),
      name: image.name,
      image: image.image,
      ...(tag && { tag }),
      hash: image.hash,
      ...(image.digest && { digest: image.digest }),
      ...(image.builder && { builder: image.builder }),
      status: image.status,
      durationMs: image.durationMs,
      ...(image.error && { error: image.error }),
      ...(image.split && { split: image.split }),
    };
  }
  return out;
}

function tagOf(reference: string): string | undefined {
  try {
    return parseImageRef(reference).tag;
  } catch {
    // A builder may report a reference this grammar does not name a tag in; the image field still has it.
    return undefined;
  }
}

/** Checked before building, so a typo in the path does not cost a whole run. */
export async function checkMetadataPath(cwd: string, file: string): Promise<string> {
  const path = resolve(cwd, file);
  const folder = dirname(path);
  const info = await stat(folder).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new ImagespecError(
      'FLAG_INVALID',
      `--metadata-file ${file}: the folder ${folder} does not exist, so the metadata could not be written there.`,
      { hint: 'Create the folder first (mkdir -p), or give a path in an existing folder.' },
    );
  }
  return path;
}

/** Temp file then rename in the same folder: a reader never sees half a document. */
export async function writeMetadataFile(path: string, metadata: Record<string, ImageMetadata>): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    await writeFile(temp, `${JSON.stringify(metadata, null, 2)}\n`);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
