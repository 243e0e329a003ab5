import type { CliIo } from '../io.js';
import { loadProject, pickSpec } from '../project.js';

/** `imagespec explain`: the whole hash input, so a user can see why a tag changed. */
export async function explainCommand(
  io: CliIo,
  options: { config?: string; specs: string[]; image?: string; json?: boolean },
): Promise<void> {
  const core = await import('@imagespec/core');
  const project = await loadProject(io, options);
  const spec = pickSpec(project.specs, options.image, core);
  const resolveBase = await core.createBaseResolver(project.config);
  const identity = await core.computeImageIdentity(spec, { resolveBase, signal: io.signal });
  if (options.json) {
    io.stdout.write(
      `${JSON.stringify({ image: identity.image, hash: identity.hash, input: identity.input, files: identity.files }, null, 2)}\n`,
    );
    return;
  }
  io.stdout.write(core.renderExplain(identity));
}
