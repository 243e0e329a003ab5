import { computeContextLayout } from '../context/layout.js';
import type { RequirementsKind, ResolvedImageSpec } from '../contract/spec.js';
import { ImagespecError } from '../errors.js';

/**
 * What decides an image's content, and nothing else: two specs with the same hash input
 * build the same image. Versioned: changing what goes in, or how, needs a new `v` (the
 * golden vectors in golden.test.ts fail otherwise).
 *
 * Left out on purpose, because they do not change the image's content: name, registry,
 * tagFormat, extra tags, builder, builderOptions, the spec's origin, force flags, and where secrets
 * come from (`src` file / `env` variable). A secret mount's `id` and `target` ARE in: they
 * change the install step's Dockerfile line and what pip reads during it (a pip.conf at
 * /etc/pip.conf can select another index), so they can change what gets installed.
 * The pip index URLs are in for the same reason. Host paths are out (moving a project
 * folder does not change its image); copied files enter as tree digests at their image path.
 */
export interface HashInput {
  readonly v: 'imagespec/1';
  /** The resolved base: a reference (or its locked digest form), or a base spec's full image name with tag. */
  readonly baseImage: string;
  readonly platforms: readonly string[];
  readonly pythonVersion?: string;
  readonly cuda?: string;
  readonly cudnn?: string;
  readonly aptPackages: readonly string[];
  readonly condaChannels: readonly string[];
  readonly condaPackages: readonly string[];
  readonly pipIndex?: string;
  readonly pipExtraIndexUrl: readonly string[];
  readonly pipExtraArgs: readonly string[];
  readonly pipSecretMounts: readonly { readonly id: string; readonly target: string }[];
  readonly requirements?: { readonly kind: RequirementsKind; readonly sha256: string };
  readonly packages: readonly string[];
  /** Copy entries in spec order (a later one may overwrite an earlier one's files). */
  readonly copy: readonly HashedTree[];
  readonly commands: readonly string[];
  /** The source tree (sourceRoot with sourceCopyMode `all`). */
  readonly source?: HashedTree;
  readonly env: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly entrypoint?: readonly string[];
  readonly cmd?: readonly string[];
  readonly workdir?: string;
  readonly user?: string;
  readonly verify: readonly string[];
}

export interface HashedTree {
  /** Absolute POSIX path inside the image. */
  readonly dest: string;
  /** `digestTree(...).digest`: hex sha256 over (path, mode, content sha256 or link target) records. */
  readonly digest: string;
}

/** Facts about the outside world a hash input needs; computeImageIdentity gathers them. */
export interface HashFacts {
  /** The base as it enters the hash (see HashInput.baseImage). */
  readonly baseImage: string;
  /** Hex sha256 of the requirements file's bytes; required when the spec has one. */
  readonly requirementsSha256?: string;
  /** One tree digest per copy entry, in spec order. */
  readonly copy: readonly { readonly digest: string }[];
  /** The source tree's digest; required when the spec copies its source. */
  readonly source?: { readonly digest: string };
}

export const HASH_INPUT_VERSION = 'imagespec/1';

/** Pure: the hash input of a normalized spec, given the facts about its files and base. */
export function computeHashInput(spec: ResolvedImageSpec, facts: HashFacts): HashInput {
  const layout = computeContextLayout(spec);
  if (facts.copy.length !== layout.copy.length) {
    throw internal(`${layout.copy.length} copy entries but ${facts.copy.length} copy digests`);
  }
  if (spec.requirements && facts.requirementsSha256 === undefined)
    throw internal('the requirements file has no sha256');
  if (layout.source && !facts.source) throw internal('the source tree has no digest');
  return {
    v: HASH_INPUT_VERSION,
    baseImage: facts.baseImage,
    platforms: [...spec.platforms],
    ...(spec.pythonVersion !== undefined && { pythonVersion: spec.pythonVersion }),
    ...(spec.cuda !== undefined && { cuda: spec.cuda }),
    ...(spec.cudnn !== undefined && { cudnn: spec.cudnn }),
    aptPackages: [...spec.aptPackages],
    condaChannels: [...spec.condaChannels],
    condaPackages: [...spec.condaPackages],
    ...(spec.pipIndex !== undefined && { pipIndex: spec.pipIndex }),
    pipExtraIndexUrl: [...spec.pipExtraIndexUrl],
    pipExtraArgs: [...spec.pipExtraArgs],
    pipSecretMounts: spec.pipSecretMounts.map(({ id, target }) => ({ id, target })),
    ...(spec.requirements && { requirements: { kind: spec.requirements.kind, sha256: facts.requirementsSha256! } }),
    packages: [...spec.packages],
    copy: layout.copy.map((entry, index) => ({ dest: entry.dest, digest: facts.copy[index]!.digest })),
    commands: [...spec.commands],
    ...(layout.source && { source: { dest: layout.source.dest, digest: facts.source!.digest } }),
    env: { ...spec.env },
    labels: { ...spec.labels },
    ...(spec.entrypoint && { entrypoint: [...spec.entrypoint] }),
    ...(spec.cmd && { cmd: [...spec.cmd] }),
    ...(spec.workdir !== undefined && { workdir: spec.workdir }),
    ...(spec.user !== undefined && { user: spec.user }),
    verify: [...spec.verify],
  };
}

function internal(what: string): ImagespecError {
  return new ImagespecError('INTERNAL', `Hash facts do not match the spec: ${what}.`);
}
