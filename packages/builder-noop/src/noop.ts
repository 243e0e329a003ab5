import type { Availability, BuilderDefinition, ResolvedImageSpec } from '@imagespec/core/builder';

/**
 * The fields that would add something to the base image, in the order the Dockerfile
 * would add them. noop builds nothing, so it takes a spec only when all of these are empty.
 * `pythonVersion` and `platform` describe the base rather than add to it and are accepted.
 */
export function droppedFields(spec: ResolvedImageSpec): string[] {
  const dropped: string[] = [];
  const list = (field: string, values: readonly string[]) => {
    if (values.length > 0) dropped.push(`${field} (${values.join(', ')})`);
  };
  list('aptPackages', spec.aptPackages);
  list('condaPackages', spec.condaPackages);
  if (spec.cuda !== undefined) dropped.push(`cuda (${spec.cuda})`);
  if (spec.cudnn !== undefined) dropped.push(`cudnn (${spec.cudnn})`);
  if (spec.requirements) dropped.push(`requirements (${spec.requirements.path})`);
  list('packages', spec.packages);
  list(
    'copy',
    spec.copy.map((entry) => entry.src),
  );
  list('commands', spec.commands);
  if (spec.sourceRoot !== undefined && spec.sourceCopyMode !== 'none') dropped.push(`sourceRoot (${spec.sourceRoot})`);
  list('env', Object.keys(spec.env));
  list('labels', Object.keys(spec.labels));
  if (spec.workdir !== undefined) dropped.push(`workdir (${spec.workdir})`);
  if (spec.user !== undefined) dropped.push(`user (${spec.user})`);
  if (spec.entrypoint !== undefined) dropped.push(`entrypoint (${spec.entrypoint.join(' ')})`);
  if (spec.cmd !== undefined) dropped.push(`cmd (${spec.cmd.join(' ')})`);
  list('verify', spec.verify);
  return dropped;
}

export function noopSupports(spec: ResolvedImageSpec): Availability {
  if (spec.dockerfile)
    return { ok: false, reason: `it builds its own Dockerfile (${spec.dockerfile.path}); noop builds nothing` };
  if (typeof spec.baseImage !== 'string') {
    return {
      ok: false,
      reason: `its base is the spec "${spec.baseImage.name}", which must be built; noop only uses an existing image as is`,
    };
  }
  const dropped = droppedFields(spec);
  return dropped.length === 0
    ? { ok: true }
    : { ok: false, reason: `noop uses the base image as is and would drop ${dropped.join('; ')}` };
}

/** noop: the base image is the image. Never builds, never pushes; lowest priority. */
export const noopBuilder: BuilderDefinition = {
  apiVersion: 1,
  name: 'noop',
  priority: 0,
  description: 'uses the base image as is (for specs that add nothing to it)',
  create(_options, host) {
    return {
      available: () => ({ ok: true }),
      supports: noopSupports,
      async build(request) {
        host.logger.debug(`${request.spec.name}: using ${request.baseImage} as is`);
        request.events.emit({
          type: 'log',
          stream: 'stdout',
          line: `noop: ${request.spec.name} is ${request.baseImage} as is (nothing built, nothing pushed)`,
        });
        return { image: request.baseImage, pushed: false };
      },
      plan: (request) => ({ action: 'use the base image as is', image: request.baseImage }),
    };
  },
};
