import * as core from '@imagespec/core';
import { type CliIo, ExitCode } from '../io.js';
import { homeDir, loadImage } from '../project.js';

/** `imagespec exists`: 0 when the registry has the image, 1 when it does not, 2 when it cannot tell. */
export async function existsCommand(
  io: CliIo,
  options: { config?: string; specs: string[]; image?: string },
): Promise<void> {
  const { project, spec, identity } = await loadImage(io, options);
  if (!spec.registry) {
    throw new core.ImagespecError(
      'FLAG_INVALID',
      `Image ${identity.image} has no registry, so there is nothing to ask.`,
      {
        hint: 'Set `registry` in the spec or `defaults.registry` in imagespec.config.*.',
      },
    );
  }
  const access = core.createRegistryAccess({ ...project.config, env: io.env, home: homeDir(io) });
  const client = core.createRegistryClient({ access });
  const answer = await client.checkManifest(identity.image, { signal: io.signal });
  if (answer.status === 'exists') {
    io.stdout.write(`${identity.image} exists${answer.digest ? ` (${answer.digest})` : ''}\n`);
    return;
  }
  if (answer.status === 'absent') {
    io.stdout.write(`${identity.image} is not in the registry\n`);
    throw new ExitCode(1);
  }
  io.stderr.write(`error: could not tell whether ${identity.image} exists: ${answer.reason}\n`);
  throw new ExitCode(2);
}
