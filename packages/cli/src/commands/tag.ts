import type { CliIo } from '../io.js';
import { loadProject } from '../project.js';

/** `imagespec tag`: the full image name of every image in the spec files, one per line. */
export async function tagCommand(io: CliIo, options: { config?: string; specs: string[] }): Promise<void> {
  const core = await import('@imagespec/core');
  const project = await loadProject(io, options);
  const resolveBase = await core.createBaseResolver(project.config);
  for (const spec of project.specs) {
    const identity = await core.computeImageIdentity(spec, { resolveBase, signal: io.signal });
    io.stdout.write(`${identity.image}\n`);
  }
}
