import { renderSpecDockerfile } from '@imagespec/core/dockerfile';
import type { CliIo } from '../io.js';
import { loadImage } from '../project.js';

/** `imagespec dockerfile`: the Dockerfile a builder would receive. */
export async function dockerfileCommand(
  io: CliIo,
  options: { config?: string; specs: string[]; image?: string; dialect: 'buildkit' | 'plain'; json?: boolean },
): Promise<void> {
  const { spec, identity } = await loadImage(io, options);
  // A spec with its own Dockerfile: that file as the builder gets it (pinned, target last).
  const dockerfile = renderSpecDockerfile(spec, identity, { dialect: options.dialect, baseImage: identity.baseImage });
  if (options.json) {
    io.stdout.write(
      `${JSON.stringify({ name: spec.name, image: identity.image, dialect: options.dialect, dockerfile })}\n`,
    );
    return;
  }
  io.stdout.write(dockerfile.endsWith('\n') ? dockerfile : `${dockerfile}\n`);
}
