import { computeImageIdentity, type ImageIdentity } from '@imagespec/core/hash';
import { createBaseResolver } from '@imagespec/core/lock';
import type { CliIo } from '../io.js';
import { loadProject } from '../project.js';

/** `imagespec tag`: the full image name of every image in the spec files, one per line (or JSON). */
export async function tagCommand(
  io: CliIo,
  options: { config?: string; specs: string[]; json?: boolean },
): Promise<void> {
  const project = await loadProject(io, options);
  const resolveBase = await createBaseResolver(project.config);
  // One cache for the run: a base spec shared by several images is hashed once.
  const cache = new Map<string, Promise<ImageIdentity>>();
  const images: { name: string; image: string; tag: string; hash: string }[] = [];
  for (const spec of project.specs) {
    const identity = await computeImageIdentity(spec, { resolveBase, signal: io.signal, cache });
    if (options.json) images.push({ name: spec.name, image: identity.image, tag: identity.tag, hash: identity.hash });
    else io.stdout.write(`${identity.image}\n`);
  }
  if (options.json) io.stdout.write(`${JSON.stringify({ images })}\n`);
}
