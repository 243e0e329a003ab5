/**
 * The two faces of a spec. `ImageSpecInput` is what a user writes (YAML, JSON or the
 * fluent API; camelCase, flytekit's snake_case accepted by the loader). `ResolvedImageSpec`
 * is the normalized form everything downstream (hash, Dockerfile, context, builders)
 * reads: lists sorted and de-duplicated where order carries no meaning, env and labels as
 * sorted maps, paths absolute, a named base spec replaced by the spec itself. It is deeply
 * readonly: builders contribute through return values, never by mutating it.
 */

export type MaybeArray<T> = T | readonly T[];

/** A copy entry as written: a path (copied to the same relative path under the workdir), or src/dest. */
export type CopyInput = string | { src: string; dest?: string };

/** A secret mounted into the pip install step; never part of a layer or the hash. */
export interface PipSecretMountInput {
  /** Secret id as seen by BuildKit (`--mount=type=secret,id=...`). Defaults from `target`. */
  id?: string;
  /** A file on the build host holding the secret. One of src or env. */
  src?: string;
  /** An environment variable on the build host holding the secret. One of src or env. */
  env?: string;
  /** Where the secret appears inside the RUN step, e.g. /etc/pip.conf or /root/.netrc. */
  target: string;
}

export interface ImageSpecInput {
  name: string;
  registry?: string;
  /** Tag template; `{hash}` is replaced by the content hash. Default `{hash}`. */
  tagFormat?: string;
  /**
   * Extra tags put on the same digest after the push (or the skip): `latest`, `git-{gitSha}`.
   * Placeholders `{hash}`, `{gitSha}`, `{gitShortSha}`. Never checked for existence, not hashed.
   */
  tags?: readonly string[];
  /** An image reference, an inline spec, or the name of another spec in the same file. */
  baseImage?: string | ImageSpecInput;
  platform?: MaybeArray<string>;
  pythonVersion?: string;
  packages?: readonly string[];
  /** requirements.txt, uv.lock or poetry.lock, relative to the spec file. */
  requirements?: string;
  condaPackages?: readonly string[];
  condaChannels?: readonly string[];
  aptPackages?: readonly string[];
  commands?: readonly string[];
  env?: Readonly<Record<string, string | number | boolean>>;
  copy?: readonly CopyInput[];
  sourceRoot?: string;
  sourceCopyMode?: 'all' | 'none';
  entrypoint?: MaybeArray<string>;
  cmd?: MaybeArray<string>;
  workdir?: string;
  user?: string;
  labels?: Readonly<Record<string, string>>;
  pipIndex?: string;
  pipExtraIndexUrl?: MaybeArray<string>;
  pipExtraArgs?: MaybeArray<string>;
  pipSecretMounts?: readonly PipSecretMountInput[];
  cuda?: string;
  cudnn?: string;
  /** Commands run inside the built image before it is pushed; any failure fails the build. */
  verify?: readonly string[];
  builder?: string;
  builderOptions?: Readonly<Record<string, unknown>>;
  /**
   * A Dockerfile of the user's own, relative to the spec file: the image is what `docker
   * build` makes of it (with `context`, `target` and `buildArgs`), tagged by its content.
   * Such a spec sets none of the Python-layer fields (baseImage, pythonVersion, packages,
   * requirements, apt/conda, commands, copy, sourceRoot, env, entrypoint...); another spec
   * of the same file adds them on top with `baseImage: <this spec's key>`.
   */
  dockerfile?: string;
  /** The build context of `dockerfile`, a folder relative to the spec file. Default: the Dockerfile's folder. */
  context?: string;
  /** The Dockerfile stage to build (`docker build --target`). Default: the last stage. */
  target?: string;
  /** `docker build --build-arg` values: they resolve ARGs in FROM lines and set every ARG the Dockerfile declares. */
  buildArgs?: Readonly<Record<string, string | number | boolean>>;
}

export type RequirementsKind = 'requirements.txt' | 'uv.lock' | 'poetry.lock';

export interface ResolvedCopyEntry {
  /** Absolute path on the build host. */
  readonly src: string;
  /** Absolute POSIX path inside the image. */
  readonly dest: string;
}

export interface ResolvedSecretMount {
  readonly id: string;
  readonly src?: string;
  readonly env?: string;
  readonly target: string;
}

/** Where a spec came from: for errors (file:line:col) and for resolving relative paths. */
export interface SpecOrigin {
  /** Absolute path of the spec file, when it came from one. */
  readonly file?: string;
  /** Folder that relative paths were resolved against. */
  readonly dir: string;
  /** Key of the spec in a multi-spec file. */
  readonly key?: string;
}

export interface ResolvedImageSpec {
  readonly name: string;
  readonly registry?: string;
  readonly tagFormat: string;
  /** Extra tag templates, order kept, duplicates removed; rendered by the engine. */
  readonly tags: readonly string[];
  /** An image reference as written (normalized later by the image-ref module), or the base spec. */
  readonly baseImage: string | ResolvedImageSpec;
  /** Sorted, de-duplicated; empty means the builder's default platform. */
  readonly platforms: readonly string[];
  readonly pythonVersion?: string;
  /** Sorted, de-duplicated. */
  readonly packages: readonly string[];
  readonly requirements?: { readonly path: string; readonly kind: RequirementsKind };
  readonly condaPackages: readonly string[];
  /** Order kept (it is channel priority), duplicates removed. */
  readonly condaChannels: readonly string[];
  readonly aptPackages: readonly string[];
  /** Order kept: commands run in the order written. */
  readonly commands: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly copy: readonly ResolvedCopyEntry[];
  readonly sourceRoot?: string;
  readonly sourceCopyMode: 'all' | 'none';
  readonly entrypoint?: readonly string[];
  readonly cmd?: readonly string[];
  readonly workdir?: string;
  readonly user?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly pipIndex?: string;
  readonly pipExtraIndexUrl: readonly string[];
  readonly pipExtraArgs: readonly string[];
  readonly pipSecretMounts: readonly ResolvedSecretMount[];
  readonly cuda?: string;
  readonly cudnn?: string;
  readonly verify: readonly string[];
  readonly builder?: string;
  readonly builderOptions: Readonly<Record<string, unknown>>;
  readonly origin: SpecOrigin;
  /**
   * Set when the spec brings its own Dockerfile. Then every Python-layer field is empty
   * (empty lists and maps, no requirements, copy, source, entrypoint, cmd, workdir or
   * user), `baseImage` is `scratch` (the images the build pulls are named in the
   * Dockerfile), and the build request carries the user's Dockerfile and its context
   * (see BuildRequest). A builder that cannot build a user's Dockerfile refuses such a
   * spec in `supports()` with the reason; one that can needs nothing else from here: the
   * request's Dockerfile already has the target, build args and labels in it.
   */
  readonly dockerfile?: ResolvedDockerfile;
}

/** A spec's own Dockerfile, resolved (ResolvedImageSpec.dockerfile). */
export interface ResolvedDockerfile {
  /** Absolute path of the Dockerfile on the build host (inside the project). */
  readonly path: string;
  /** Absolute path of the build context folder (inside the project). */
  readonly context: string;
  /** The stage built (`AS` names compare lower-cased); undefined: the last stage. */
  readonly target?: string;
  /** Sorted map of build args, values as strings. */
  readonly buildArgs: Readonly<Record<string, string>>;
}
