import type { ResolvedImageSpec } from '../contract/spec.js';
import { computeImageIdentity, type ImageIdentity } from '../hash/identity.js';

/** Maps a base image reference as written to what FROM and the hash use (lock digests). */
export type ResolveBase = (reference: string) => string;

/** One image to produce: identical specs (same full image name) appear once. */
export interface PlannedImage {
  readonly spec: ResolvedImageSpec;
  readonly identity: ImageIdentity;
  /** The image of the base spec this one is built FROM, when its base is a spec. */
  readonly dependsOn?: string;
}

export interface PlanOptions {
  /** Overrides every spec's platforms (`--platform`); it changes the hash like the spec field would. */
  readonly platform?: readonly string[];
  readonly resolveBase?: ResolveBase;
  readonly signal?: AbortSignal;
  /**
   * Identities computed earlier in this run with the same `resolveBase` (IdentityOptions.cache),
   * e.g. by lint: a spec's files are then not listed and hashed again. Default: a new map.
   */
  readonly identities?: Map<string, Promise<ImageIdentity>>;
}

/**
 * Computes every image's identity and orders them so a spec used as a base comes before
 * the specs built FROM it; a base spec becomes an image of its own, and specs with the
 * same image are planned once. Reads files (the hash covers them), builds nothing.
 */
export async function planBuilds(
  specs: readonly ResolvedImageSpec[],
  options: PlanOptions = {},
): Promise<PlannedImage[]> {
  const identityOptions = {
    ...(options.resolveBase && { resolveBase: options.resolveBase }),
    ...(options.signal && { signal: options.signal }),
    cache: options.identities ?? new Map<string, Promise<ImageIdentity>>(),
  };
  const planned = new Map<string, PlannedImage>();
  /** Adds a spec after its base chain; a spec's identity already carries its base's. */
  const add = (spec: ResolvedImageSpec, identity: ImageIdentity): void => {
    if (typeof spec.baseImage !== 'string' && identity.base) add(spec.baseImage, identity.base);
    if (!planned.has(identity.image)) {
      planned.set(identity.image, { spec, identity, ...(identity.base && { dependsOn: identity.base.image }) });
    }
  };
  const overridden = options.platform ? specs.map((spec) => withPlatforms(spec, options.platform ?? [])) : specs;
  // Identities are independent file reads: compute them concurrently, then add in order.
  const computed = await Promise.all(overridden.map((spec) => computeImageIdentity(spec, identityOptions)));
  overridden.forEach((spec, index) => {
    add(spec, computed[index] as ImageIdentity);
  });
  return [...planned.values()];
}

function withPlatforms(spec: ResolvedImageSpec, platforms: readonly string[]): ResolvedImageSpec {
  return Object.freeze({
    ...spec,
    platforms: [...new Set(platforms)].sort(),
    baseImage: typeof spec.baseImage === 'string' ? spec.baseImage : withPlatforms(spec.baseImage, platforms),
  });
}
