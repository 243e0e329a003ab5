import { computeImageIdentity, type ImageIdentity } from '../hash/identity.js';
import { createBaseResolver } from '../lock/base-resolver.js';
import { loadProject, type ProjectOptions } from './project.js';

export interface TaggedImage {
  /** The spec's name. */
  readonly name: string;
  /** Full reference: registry, name and content tag. */
  readonly image: string;
  readonly tag: string;
  readonly hash: string;
}

/**
 * `imagespec tag` as one call: the content tag of every image the specs define (bases
 * first), lock applied. Reads files, never a registry or a daemon.
 */
export async function tag(options: ProjectOptions & { readonly signal?: AbortSignal } = {}): Promise<TaggedImage[]> {
  const project = await loadProject(options);
  const resolveBase = await createBaseResolver(project.config);
  const cache = new Map<string, Promise<ImageIdentity>>();
  const images: TaggedImage[] = [];
  for (const spec of project.specs) {
    const identity = await computeImageIdentity(spec, {
      resolveBase,
      cache,
      ...(options.signal && { signal: options.signal }),
    });
    images.push({ name: spec.name, image: identity.image, tag: identity.tag, hash: identity.hash });
  }
  return images;
}
