import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { RegistryBlobClient } from '@imagespec/core/builder';

/** A blob the image needs in the target repository, and where its bytes are. */
export type NeededBlob =
  | { readonly digest: string; readonly size: number; readonly from: 'base' }
  | {
      readonly digest: string;
      readonly size: number;
      readonly from: 'file';
      readonly file: string;
      /** Run before the file is uploaded (not when the registry has the blob): a check that may throw. */
      readonly before?: (() => Promise<void>) | undefined;
    }
  | { readonly digest: string; readonly size: number; readonly from: 'bytes'; readonly bytes: Uint8Array };

/** What happened to each blob: already there (HEAD), mounted from the base's repository, copied, uploaded. */
export interface PublishStats {
  present: number;
  mounted: number;
  copied: number;
  uploaded: number;
  uploadedBytes: number;
}

/**
 * Makes every blob present in the target repository, cheapest way first: HEAD (nothing
 * moves), a cross-repository mount when the base lives on the same registry, else a
 * streamed copy from the base's registry (base layers) or an upload (new layers, config).
 */
export async function publishBlobs(
  registry: RegistryBlobClient,
  target: string,
  baseRepository: string,
  blobs: readonly NeededBlob[],
  options: { concurrency: number; signal: AbortSignal },
): Promise<PublishStats> {
  const { signal } = options;
  const stats: PublishStats = { present: 0, mounted: 0, copied: 0, uploaded: 0, uploadedBytes: 0 };
  const unique = [...new Map(blobs.map((blob) => [blob.digest, blob])).values()];
  const one = async (blob: NeededBlob) => {
    if (await registry.hasBlob(target, blob.digest, { signal })) {
      stats.present += 1;
      return;
    }
    if (blob.from === 'base') {
      if (await registry.mountBlob(target, blob.digest, baseRepository, { signal })) {
        stats.mounted += 1;
        return;
      }
      await registry.pushBlob(
        target,
        {
          digest: blob.digest,
          size: blob.size,
          open: () => Readable.from(registry.readBlob(baseRepository, blob.digest, { signal })),
        },
        { signal },
      );
      stats.copied += 1;
      return;
    }
    if (blob.from === 'file') await blob.before?.();
    const open = blob.from === 'file' ? () => createReadStream(blob.file) : () => Readable.from([blob.bytes]);
    await registry.pushBlob(target, { digest: blob.digest, size: blob.size, open }, { signal });
    stats.uploaded += 1;
    stats.uploadedBytes += blob.size;
  };
  await eachLimited(unique, options.concurrency, one);
  return stats;
}

/** Runs `work` over `items`, at most `limit` at a time; the first failure stops new work and is thrown. */
export async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  const lane = async () => {
    while (!failed && next < items.length) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
