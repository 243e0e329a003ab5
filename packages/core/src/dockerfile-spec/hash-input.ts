import type { ResolvedImageSpec } from '../contract/spec.js';
import { ImagespecError } from '../errors.js';

/**
 * The hash input of a spec that brings its own Dockerfile: what decides the image `docker
 * build` makes of it, and nothing else. Same version as the layered input (a Dockerfile
 * input has `kind`, which a layered one never has, so the two cannot coincide), and the
 * same rules: name, registry, tags, builder and its options are left out; host paths are
 * out (the Dockerfile by its bytes, the context by its tree digest).
 */
export interface DockerfileHashInput {
  readonly v: 'imagespec/1';
  readonly kind: 'dockerfile';
  /** Hex sha256 of the Dockerfile's bytes. */
  readonly dockerfile: string;
  /** Tree digest of the context as listed (its ignore file applied): what the build can COPY. */
  readonly context: string;
  readonly target?: string;
  readonly buildArgs: Readonly<Record<string, string>>;
  readonly platforms: readonly string[];
  /**
   * Every image a stage the target needs pulls (FROM, COPY --from, RUN --mount from),
   * normalized, in its locked `name:tag@digest` form when the lock has it; sorted, unique.
   */
  readonly images: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  readonly verify: readonly string[];
}

export interface DockerfileHashFacts {
  readonly dockerfileSha256: string;
  readonly contextDigest: string;
  /** The images as they enter the hash (already pinned). */
  readonly images: readonly string[];
}

/** Pure: the hash input of a normalized Dockerfile spec, given the facts about its files and images. */
export function computeDockerfileHashInput(spec: ResolvedImageSpec, facts: DockerfileHashFacts): DockerfileHashInput {
  const dockerfile = spec.dockerfile;
  if (!dockerfile) throw new ImagespecError('INTERNAL', `Spec \`${spec.name}\` has no Dockerfile to hash.`);
  return {
    v: 'imagespec/1',
    kind: 'dockerfile',
    dockerfile: facts.dockerfileSha256,
    context: facts.contextDigest,
    ...(dockerfile.target !== undefined && { target: dockerfile.target }),
    buildArgs: { ...dockerfile.buildArgs },
    platforms: [...spec.platforms],
    images: [...new Set(facts.images)].sort(),
    labels: { ...spec.labels },
    verify: [...spec.verify],
  };
}
