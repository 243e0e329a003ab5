import { computeContextLayout } from '../context/layout.js';
import type { ResolvedImageSpec } from '../contract/spec.js';

/**
 * A spec cut at its source layer: `base` is the Dockerfile up to the commands (apt, conda,
 * requirements, packages, env, workdir, copy, commands), an image of its own tagged by its
 * own hash; `top` is the source layer and the settings the Dockerfile puts after it (labels,
 * user, entrypoint, cmd), FROM `base`. Built one after the other, they give the image the
 * whole spec's Dockerfile gives, so the result goes under the whole spec's tag.
 */
export interface SplitSpec {
  readonly base: ResolvedImageSpec;
  readonly top: ResolvedImageSpec;
}

/**
 * Cuts a spec at its source layer (see render.ts: `... copy -> commands -> source -> LABEL,
 * USER, ENTRYPOINT, CMD`). Undefined when the spec copies no source (nothing to append) or
 * builds its own Dockerfile. Pure. Whether the cut is worth building is the engine's call (a builder must take
 * `top` that cannot take the whole spec).
 *
 * `base` keeps everything the steps before the source see, so its Dockerfile is the whole
 * spec's up to the commands, then its own hash label; it verifies nothing and has no extra
 * tags (those belong to the final image). `top` keeps env and workdir: the source lands in
 * the workdir, and applying the same ENV and WORKDIR again leaves the config as it was.
 * The spec's builderOptions go to `base` (they were written for the builder that runs its
 * steps); `top` is built with the config's options.
 */
export function splitSpec(spec: ResolvedImageSpec): SplitSpec | undefined {
  // A spec's own Dockerfile is built whole: its steps are not ours to cut.
  if (spec.dockerfile || !computeContextLayout(spec).source) return undefined;
  const { sourceRoot: _source, labels: _labels, user: _user, entrypoint: _entrypoint, cmd: _cmd, ...rest } = spec;
  const base: ResolvedImageSpec = Object.freeze({
    ...rest,
    sourceCopyMode: 'none',
    labels: {},
    verify: [],
    tags: [],
  });
  const {
    pythonVersion: _python,
    requirements: _requirements,
    cuda: _cuda,
    cudnn: _cudnn,
    pipIndex: _index,
    builder: _builder,
    ...kept
  } = spec;
  const top: ResolvedImageSpec = Object.freeze({
    ...kept,
    baseImage: base,
    packages: [],
    condaPackages: [],
    condaChannels: [],
    aptPackages: [],
    commands: [],
    copy: [],
    pipExtraIndexUrl: [],
    pipExtraArgs: [],
    pipSecretMounts: [],
    tags: [],
    builderOptions: {},
  });
  return { base, top };
}
