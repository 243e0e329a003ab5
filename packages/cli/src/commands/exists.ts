import * as core from '@imagespec/core';
import { openBuilders } from '../configured-builders.js';
import { type CliIo, ExitCode } from '../io.js';
import { colorsWanted, createColors } from '../output/colors.js';
import { formatError } from '../output/format-error.js';
import { homeDir, loadImage, type Project } from '../project.js';

export interface ExistsOptions {
  readonly config?: string;
  readonly debug?: boolean;
  readonly specs: string[];
  readonly image?: string;
  readonly builder?: string;
}

/**
 * `imagespec exists`: 0 when the image is there, 1 when it is not, 2 when that cannot be
 * told. "There" is what `build` checks before it skips: the registry, or for a spec with
 * no registry, the local engine of the builder that would build it.
 */
export async function existsCommand(io: CliIo, options: ExistsOptions): Promise<void> {
  const { project, spec, identity } = await loadImage(io, options);
  const { image } = identity;
  if (!spec.registry) {
    await existsLocally(io, project, spec, image, options);
    return;
  }
  const access = core.createRegistryAccess({ ...project.config, env: io.env, home: homeDir(io) });
  const client = core.createRegistryClient({ access });
  const answer = await client.checkManifest(image, { signal: io.signal });
  if (answer.status === 'exists') {
    io.stdout.write(`${image} is in the registry${answer.digest ? ` (${answer.digest})` : ''}\n`);
    return;
  }
  if (answer.status === 'absent') {
    io.stdout.write(`${image} is not in the registry\n`);
    throw new ExitCode(1);
  }
  io.stderr.write(`error: could not tell whether ${image} is in the registry: ${answer.reason}\n`);
  throw new ExitCode(2);
}

async function existsLocally(
  io: CliIo,
  project: Project,
  spec: core.ResolvedImageSpec,
  image: string,
  options: ExistsOptions,
): Promise<void> {
  const configured = openBuilders(io, project.config, { debug: Boolean(options.debug), locate: project.locate });
  let found: boolean;
  let builder: string;
  try {
    const selected = await configured.builders.select(spec, options.builder);
    builder = selected.name;
    if (!selected.builder.exists) {
      throw new core.ImagespecError(
        'BUILDER_UNSUPPORTED',
        `${image} has no registry, and the ${selected.name} builder that would build it keeps no images of its own to look in.`,
        { hint: 'Set `registry` in the spec or `defaults.registry` in imagespec.config.*.' },
      );
    }
    found = await selected.builder.exists(image, { signal: io.signal });
  } catch (error) {
    // Not knowing is never "absent" (exit 1): a script would build or fail on a guess.
    io.stderr.write(formatError(error, createColors(colorsWanted(io.isTTY, io.env)), Boolean(options.debug)));
    throw new ExitCode(2);
  } finally {
    await configured.dispose();
  }
  io.stdout.write(`${image} is ${found ? '' : 'not '}in the local engine (${builder} builder)\n`);
  if (!found) throw new ExitCode(1);
}
