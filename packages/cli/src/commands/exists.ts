import type { ResolvedImageSpec } from '@imagespec/core';
import { ImagespecError } from '@imagespec/core/errors';
import { createRegistryAccess, createRegistryClient } from '@imagespec/core/registry';
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
  readonly json?: boolean;
}

interface Answer {
  readonly image: string;
  readonly exists: boolean;
  readonly where: 'registry' | 'local';
  readonly digest?: string;
  readonly builder?: string;
}

/** The answer on stdout (a line, or JSON); exit 1 when the image is not there. */
function report(io: CliIo, options: ExistsOptions, answer: Answer): void {
  const place = answer.where === 'registry' ? 'the registry' : `the local engine (${answer.builder} builder)`;
  io.stdout.write(
    options.json
      ? `${JSON.stringify(answer)}\n`
      : `${answer.image} is ${answer.exists ? '' : 'not '}in ${place}${answer.digest ? ` (${answer.digest})` : ''}\n`,
  );
  if (!answer.exists) throw new ExitCode(1);
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
  const access = createRegistryAccess({ ...project.config, env: io.env, home: homeDir(io) });
  const client = createRegistryClient({ access });
  const answer = await client.checkManifest(image, { signal: io.signal });
  if (answer.status !== 'unknown') {
    report(io, options, {
      image,
      exists: answer.status === 'exists',
      where: 'registry',
      ...(answer.status === 'exists' && answer.digest && { digest: answer.digest }),
    });
    return;
  }
  io.stderr.write(`error: could not tell whether ${image} is in the registry: ${answer.reason}\n`);
  throw new ExitCode(2);
}

async function existsLocally(
  io: CliIo,
  project: Project,
  spec: ResolvedImageSpec,
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
      throw new ImagespecError(
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
  report(io, options, { image, exists: found, where: 'local', builder });
}
