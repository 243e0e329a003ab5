import type { CliIo } from '../io.js';
import { loadProject, pickSpec } from '../project.js';

/** `imagespec dockerfile`: the Dockerfile a builder would receive. */
export async function dockerfileCommand(
  io: CliIo,
  options: { config?: string; specs: string[]; image?: string; dialect: 'buildkit' | 'plain' },
): Promise<void> {
  const core = await import('@imagespec/core');
  const project = await loadProject(io, options);
  const spec = pickSpec(project.specs, options.image, core);
  const resolveBase = await core.createBaseResolver(project.config);
  const identity = await core.computeImageIdentity(spec, { resolveBase, signal: io.signal });
  const dockerfile = core.renderDockerfile(spec, {
    dialect: options.dialect,
    baseImage: identity.baseImage,
    hash: identity.hash,
  });
  io.stdout.write(dockerfile.endsWith('\n') ? dockerfile : `${dockerfile}\n`);
}
