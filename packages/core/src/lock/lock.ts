import { projectRootOf } from '../context/project.js';
import type { ResolvedImageSpec } from '../contract/spec.js';
import { readDockerfileSource } from '../dockerfile-spec/facts.js';
import { formatImageRef, parseImageRef } from '../image-ref/image-ref.js';
import { LOCK_FILE_VERSION, type LockFile } from './lock-file.js';

/** The registry call locking needs: the digest a reference points at now. */
export interface DigestSource {
  resolveDigest(reference: string, options?: { signal?: AbortSignal }): Promise<string>;
}

/**
 * Every base image named by reference (not by spec, not already by digest), normalized,
 * sorted. A spec with its own Dockerfile names its images there: see collectLockReferences.
 */
export function collectBaseReferences(specs: readonly ResolvedImageSpec[]): string[] {
  const found = new Set<string>();
  const visit = (spec: ResolvedImageSpec) => {
    if (spec.dockerfile) return;
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

/**
 * What `imagespec lock` pins: collectBaseReferences, and every image the Dockerfiles of
 * Dockerfile specs (bases included) pull for their target, read from disk.
 */
export async function collectLockReferences(specs: readonly ResolvedImageSpec[]): Promise<string[]> {
  const found = new Set(collectBaseReferences(specs));
  const withDockerfiles = new Set<ResolvedImageSpec>();
  const visit = (spec: ResolvedImageSpec) => {
    if (spec.dockerfile) withDockerfiles.add(spec);
    else if (typeof spec.baseImage !== 'string') visit(spec.baseImage);
  };
  for (const spec of specs) visit(spec);
  for (const spec of withDockerfiles) {
    const source = await readDockerfileSource(spec, projectRootOf(spec));
    for (const image of source.images) if (!parseImageRef(image.ref).digest) found.add(image.ref);
  }
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
  for (const reference of await collectLockReferences(specs)) {
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
  for (const reference of await collectLockReferences(specs)) {
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
