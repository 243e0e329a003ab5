import type { DockerfileDialect } from '../contract/builder.js';
import type { ResolvedImageSpec } from '../contract/spec.js';
import { renderDockerfile } from '../dockerfile/render.js';
import { ImagespecError } from '../errors.js';
import type { ImageIdentity } from '../hash/identity.js';
import { renderUserDockerfile } from './render.js';

/**
 * The Dockerfile a spec's build gets (pure): rendered from its layers, or, for a spec with
 * its own Dockerfile, that file as read when the tag was computed, made ready by
 * renderUserDockerfile (the same in both dialects: the user chose its syntax).
 */
export function renderSpecDockerfile(
  spec: ResolvedImageSpec,
  identity: ImageIdentity,
  options: {
    readonly dialect: DockerfileDialect;
    readonly baseImage: string;
    /** Rewrites each image the user's Dockerfile pulls through the registry mirrors (after pinning). */
    readonly mirror?: (reference: string) => string;
  },
): string {
  if (!spec.dockerfile) {
    return renderDockerfile(spec, { dialect: options.dialect, baseImage: options.baseImage, hash: identity.hash });
  }
  if (!identity.dockerfile) {
    throw new ImagespecError('INTERNAL', `The identity of \`${spec.name}\` holds no Dockerfile, and its spec has one.`);
  }
  const { source, pinned } = identity.dockerfile;
  return renderUserDockerfile({
    text: source.text,
    file: source.path,
    parsed: source.parsed,
    stages: source.stages,
    pinned: (ref) => (options.mirror ?? String)(pinned[ref] ?? ref),
    hash: identity.hash,
    buildArgs: spec.dockerfile.buildArgs,
    labels: spec.labels,
    field: { spec: spec.name, ...(spec.origin.file !== undefined && { file: spec.origin.file }) },
  });
}
