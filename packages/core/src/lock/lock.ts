import type { ResolvedImageSpec } from '../contract/spec.js';
import { formatImageRef, parseImageRef } from '../image-ref/image-ref.js';
import { LOCK_FILE_VERSION, type LockFile } from './lock-file.js';

/** The registry call locking needs: the digest a reference points at now. */
export interface DigestSource {
  resolveDigest(reference: string, options?: { signal?: AbortSignal }): Promise<string>;
}

/** Every base image named by reference (not by spec, not already by digest), normalized, sorted. */
export function collectBaseReferences(specs: readonly ResolvedImageSpec[]): string[] {
  const found = new Set<string>();
  const visit = (spec: ResolvedImageSpec) => {
    if (typeof spec.baseImage === 'string') {
      const ref = parseImageRef(spec.baseImage);
      if (!ref.digest) found.add(formatImageRef(ref));
    } else {
      visit(spec.baseImage);
    }
  };
  for (const spec of specs) visit(spec);
  return [...found].sort();
}

/** Resolves every base of `specs` through the registry and merges them into `current`. */
export async function computeLock(
  specs: readonly ResolvedImageSpec[],
  registry: DigestSource,
  current: LockFile,
  options: { signal?: AbortSignal } = {},
): Promise<LockFile> {
  const images: Record<string, { digest: string }> = { ...current.images };
  for (const reference of collectBaseReferences(specs)) {
    images[reference] = { digest: await registry.resolveDigest(reference, options) };
  }
  return { version: LOCK_FILE_VERSION, images };
}

export interface LockProblem {
  readonly reference: string;
  readonly problem: 'missing' | 'stale';
  readonly locked?: string;
  readonly current?: string;
}

/** For `lock --check`: bases missing from the lock, and locked digests the registry no longer serves under that tag. */
export async function checkLock(
  specs: readonly ResolvedImageSpec[],
  registry: DigestSource,
  lock: LockFile,
  options: { signal?: AbortSignal } = {},
): Promise<LockProblem[]> {
  const problems: LockProblem[] = [];
  for (const reference of collectBaseReferences(specs)) {
    const entry = lock.images[reference];
    if (!entry) {
      problems.push({ reference, problem: 'missing' });
      continue;
    }
    const current = await registry.resolveDigest(reference, options);
    if (current !== entry.digest) problems.push({ reference, problem: 'stale', locked: entry.digest, current });
  }
  return problems;
}
