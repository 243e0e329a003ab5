import { computeImageIdentity, type ImageIdentity } from '../hash/identity.js';
import type { ResolvedImageSpec } from '../spec/types.js';

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
  /** The identity function (default: the real one, which reads files). */
  readonly identify?: typeof computeImageIdentity;
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
  const identify = options.identify ?? computeImageIdentity;
  const identityOptions = {
    ...(options.resolveBase && { resolveBase: options.resolveBase }),
    ...(options.signal && { signal: options.signal }),
  };
  const planned = new Map<string, PlannedImage>();
  const identities = new Map<ResolvedImageSpec, Promise<ImageIdentity>>();
  const identityOf = (spec: ResolvedImageSpec) => {
    let identity = identities.get(spec);
    if (!identity) {
      identity = identify(spec, identityOptions);
      identities.set(spec, identity);
    }
    return identity;
  };
  const visit = async (spec: ResolvedImageSpec): Promise<string> => {
    const dependsOn = typeof spec.baseImage === 'string' ? undefined : await visit(spec.baseImage);
    const identity = await identityOf(spec);
    if (!planned.has(identity.image)) planned.set(identity.image, { spec, identity, ...(dependsOn && { dependsOn }) });
    return identity.image;
  };
  const overridden = options.platform ? specs.map((spec) => withPlatforms(spec, options.platform ?? [])) : specs;
  // Identities are independent file reads: start them all, then walk in order.
  for (const spec of overridden)
    for (let s: ResolvedImageSpec | string = spec; typeof s !== 'string'; s = s.baseImage)
      void identityOf(s).catch(() => {});
  for (const spec of overridden) await visit(spec);
  return [...planned.values()];
}

function withPlatforms(spec: ResolvedImageSpec, platforms: readonly string[]): ResolvedImageSpec {
  return Object.freeze({
    ...spec,
    platforms: [...new Set(platforms)].sort(),
    baseImage: typeof spec.baseImage === 'string' ? spec.baseImage : withPlatforms(spec.baseImage, platforms),
  });
}
