import { formatImageRef, parseImageRef } from '../image-ref/image-ref.js';
import type { LockFile } from './lock-file.js';
import { readLockFile } from './lock-file.js';

/** Maps a base image reference as written to what FROM and the hash use. */
export type BaseResolver = (reference: string) => string;

/**
 * With a lock entry, a base becomes `name:tag@digest`: FROM pins the exact image and the
 * hash input takes the digest, so a base update shows as a new tag only after re-locking.
 * Without one, the reference stays as written (today's behaviour; `lint` warns).
 */
export function createLockResolver(lock: LockFile): BaseResolver {
  return (reference) => {
    const ref = parseImageRef(reference);
    if (ref.digest) return reference;
    const normalized = formatImageRef(ref);
    const entry = lock.images[normalized];
    return entry ? `${normalized}@${entry.digest}` : reference;
  };
}

/** Reads imagespec.lock.json next to the config (if any) and returns the resolver. */
export async function createBaseResolver(config: { readonly dir: string }): Promise<BaseResolver> {
  return createLockResolver(await readLockFile(config.dir));
}
