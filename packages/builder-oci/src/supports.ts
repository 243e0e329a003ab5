import type { Availability, ResolvedImageSpec } from '@imagespec/core/builder';

/**
 * The fields that need a RUN step (or a Dockerfile) and so a daemon: builder-oci writes
 * layers of files and the image config, nothing that executes in the image.
 */
export function fieldsNeedingRun(spec: ResolvedImageSpec): string[] {
  const fields: string[] = [];
  const list = (field: string, values: readonly string[]) => {
    if (values.length > 0) fields.push(`${field} (${values.join(', ')})`);
  };
  list('aptPackages', spec.aptPackages);
  list('condaPackages', spec.condaPackages);
  if (spec.cuda !== undefined) fields.push(`cuda (${spec.cuda})`);
  if (spec.cudnn !== undefined) fields.push(`cudnn (${spec.cudnn})`);
  if (spec.requirements) fields.push(`requirements (${spec.requirements.path})`);
  list('packages', spec.packages);
  list('commands', spec.commands);
  list(
    'pipSecretMounts',
    spec.pipSecretMounts.map((mount) => mount.id),
  );
  // The Dockerfile checks pythonVersion with a RUN, except on the default base it names.
  if (spec.pythonVersion !== undefined && spec.baseImage !== `python:${spec.pythonVersion}-slim`) {
    fields.push(
      `pythonVersion (${spec.pythonVersion}, checked with a RUN on a base other than python:${spec.pythonVersion}-slim)`,
    );
  }
  return fields;
}

/** Whether builder-oci can build the spec; `runner` says whether a local engine can run verify commands. */
export function ociSupports(spec: ResolvedImageSpec, runner: { ok: boolean; why?: string }): Availability {
  if (spec.dockerfile) {
    return {
      ok: false,
      reason: `builder-oci writes files and settings only, and dockerfile (${spec.dockerfile.path}) is a Dockerfile whose steps need a daemon (docker, buildkit or kaniko)`,
    };
  }
  const fields = fieldsNeedingRun(spec);
  if (fields.length > 0) {
    return {
      ok: false,
      reason: `builder-oci writes files and settings only, and ${fields.join('; ')} need${fields.length === 1 ? 's' : ''} a RUN step on a daemon`,
    };
  }
  if (typeof spec.baseImage !== 'string' && spec.baseImage.registry === undefined) {
    return {
      ok: false,
      reason: `its base is the spec "${spec.baseImage.name}", which has no registry to read its layers from`,
    };
  }
  if (spec.verify.length > 0 && !runner.ok) {
    return {
      ok: false,
      reason: `verify needs a local Docker engine to run the commands in before the tag is put, and ${runner.why ?? 'none answers'}`,
    };
  }
  return { ok: true };
}
