import { isAbsolute, resolve } from 'node:path';
import type { CopyInput, ImageSpecInput, PipSecretMountInput, ResolvedImageSpec } from '../contract/spec.js';
import { normalizeSpec } from './normalize.js';

/**
 * The typed, immutable builder API. Every `withX` returns a new ImageSpec and leaves the
 * receiver as it was, so a shared base can be specialized freely:
 *
 *     const base = imageSpec({ name: 'ml' }).withAptPackages('curl');
 *     const app = base.withName('app').withPackages('numpy==2.1.0').withSource('.');
 *
 * List fields (packages, apt/conda packages and channels, commands, copy, verify, pip
 * extras and secret mounts) append, like flytekit's `with_*`; maps (env, labels,
 * builderOptions) merge, later keys winning; every other field is replaced.
 */
export interface ImageSpec {
  /** The spec as written so far (deeply frozen). Relative paths are relative to `dir`. */
  readonly input: Readonly<ImageSpecInput>;
  /** Folder that relative paths resolve against. */
  readonly dir: string;
  /** Replaces the given fields. */
  with(patch: Partial<ImageSpecInput>): ImageSpec;
  withName(name: string): ImageSpec;
  withRegistry(registry: string): ImageSpec;
  withTagFormat(tagFormat: string): ImageSpec;
  /** An image reference, or another spec (built first; this spec's base is its full name and tag). */
  withBaseImage(base: string | ImageSpec | ImageSpecInput): ImageSpec;
  /** Replaces the target platforms. */
  withPlatform(...platforms: Items): ImageSpec;
  withPythonVersion(version: string): ImageSpec;
  withPackages(...packages: Items): ImageSpec;
  withRequirements(path: string): ImageSpec;
  withCondaPackages(...packages: Items): ImageSpec;
  withCondaChannels(...channels: Items): ImageSpec;
  withAptPackages(...packages: Items): ImageSpec;
  withCommands(...commands: Items): ImageSpec;
  withEnv(env: Readonly<Record<string, string | number | boolean>>): ImageSpec;
  withCopy(...entries: (CopyInput | readonly CopyInput[])[]): ImageSpec;
  /** Copies `root` (default: all of it) to the workdir. */
  withSource(root: string, mode?: 'all' | 'none'): ImageSpec;
  /** A list is the exec form; a string runs through `/bin/sh -c`. */
  withEntrypoint(entrypoint: string | readonly string[]): ImageSpec;
  withCmd(cmd: string | readonly string[]): ImageSpec;
  withWorkdir(workdir: string): ImageSpec;
  withUser(user: string): ImageSpec;
  withLabels(labels: Readonly<Record<string, string>>): ImageSpec;
  withPipIndex(url: string): ImageSpec;
  withPipExtraIndexUrl(...urls: Items): ImageSpec;
  withPipExtraArgs(...args: Items): ImageSpec;
  withPipSecretMounts(...mounts: PipSecretMountInput[]): ImageSpec;
  withCuda(cuda: string, cudnn?: string): ImageSpec;
  withVerify(...commands: Items): ImageSpec;
  /** Names the builder; options merge into builderOptions. */
  withBuilder(builder: string, options?: Readonly<Record<string, unknown>>): ImageSpec;
  /**
   * Builds your own Dockerfile (relative to `dir`) instead of Python layers: the context
   * defaults to its folder; `buildArgs` merge. Layer packages on it with another spec's
   * `withBaseImage(this)`.
   */
  withDockerfile(
    dockerfile: string,
    options?: { context?: string; target?: string; buildArgs?: Readonly<Record<string, string | number | boolean>> },
  ): ImageSpec;
  /** Validates and normalizes (normalizeSpec); throws SPEC_INVALID listing every problem. */
  resolve(): ResolvedImageSpec;
}

type Items = (string | readonly string[])[];

export interface ImageSpecOptions {
  /** Folder for relative paths (requirements, copy, sourceRoot, secret files). Default: the current directory. */
  readonly dir?: string;
}

export function imageSpec(input: ImageSpecInput, options: ImageSpecOptions = {}): ImageSpec {
  return new FluentImageSpec(input, resolve(options.dir ?? process.cwd()));
}

class FluentImageSpec implements ImageSpec {
  readonly input: Readonly<ImageSpecInput>;
  readonly dir: string;
  #resolved: ResolvedImageSpec | undefined;

  constructor(input: ImageSpecInput, dir: string) {
    this.input = freeze(copyPlain(input));
    this.dir = dir;
  }

  with(patch: Partial<ImageSpecInput>): ImageSpec {
    return new FluentImageSpec({ ...this.input, ...patch }, this.dir);
  }

  #append<K extends keyof ImageSpecInput>(key: K, items: readonly unknown[]): ImageSpec {
    const current = this.input[key];
    const list = current === undefined ? [] : Array.isArray(current) ? current : [current];
    return this.with({ [key]: [...list, ...items] } as Partial<ImageSpecInput>);
  }

  #merge<K extends 'env' | 'labels' | 'builderOptions' | 'buildArgs'>(
    key: K,
    values: Readonly<Record<string, unknown>>,
  ): ImageSpec {
    return this.with({ [key]: { ...(this.input[key] ?? {}), ...values } } as Partial<ImageSpecInput>);
  }

  withName(name: string) {
    return this.with({ name });
  }
  withRegistry(registry: string) {
    return this.with({ registry });
  }
  withTagFormat(tagFormat: string) {
    return this.with({ tagFormat });
  }
  withBaseImage(base: string | ImageSpec | ImageSpecInput) {
    if (typeof base === 'string') return this.with({ baseImage: base });
    if (isImageSpec(base)) {
      // The base's relative paths belong to its own folder, not ours.
      return this.with({ baseImage: base.dir === this.dir ? base.input : absolutize(base.input, base.dir) });
    }
    return this.with({ baseImage: base as ImageSpecInput });
  }
  withPlatform(...platforms: Items) {
    return this.with({ platform: platforms.flat() });
  }
  withPythonVersion(pythonVersion: string) {
    return this.with({ pythonVersion });
  }
  withPackages(...packages: Items) {
    return this.#append('packages', packages.flat());
  }
  withRequirements(requirements: string) {
    return this.with({ requirements });
  }
  withCondaPackages(...packages: Items) {
    return this.#append('condaPackages', packages.flat());
  }
  withCondaChannels(...channels: Items) {
    return this.#append('condaChannels', channels.flat());
  }
  withAptPackages(...packages: Items) {
    return this.#append('aptPackages', packages.flat());
  }
  withCommands(...commands: Items) {
    return this.#append('commands', commands.flat());
  }
  withEnv(env: Readonly<Record<string, string | number | boolean>>) {
    return this.#merge('env', env);
  }
  withCopy(...entries: (CopyInput | readonly CopyInput[])[]) {
    return this.#append('copy', entries.flat());
  }
  withSource(sourceRoot: string, sourceCopyMode: 'all' | 'none' = 'all') {
    return this.with({ sourceRoot, sourceCopyMode });
  }
  withEntrypoint(entrypoint: string | readonly string[]) {
    return this.with({ entrypoint });
  }
  withCmd(cmd: string | readonly string[]) {
    return this.with({ cmd });
  }
  withWorkdir(workdir: string) {
    return this.with({ workdir });
  }
  withUser(user: string) {
    return this.with({ user });
  }
  withLabels(labels: Readonly<Record<string, string>>) {
    return this.#merge('labels', labels);
  }
  withPipIndex(pipIndex: string) {
    return this.with({ pipIndex });
  }
  withPipExtraIndexUrl(...urls: Items) {
    return this.#append('pipExtraIndexUrl', urls.flat());
  }
  withPipExtraArgs(...args: Items) {
    return this.#append('pipExtraArgs', args.flat());
  }
  withPipSecretMounts(...mounts: PipSecretMountInput[]) {
    return this.#append('pipSecretMounts', mounts);
  }
  withCuda(cuda: string, cudnn?: string) {
    return this.with({ cuda, ...(cudnn !== undefined && { cudnn }) });
  }
  withVerify(...commands: Items) {
    return this.#append('verify', commands.flat());
  }
  withBuilder(builder: string, options?: Readonly<Record<string, unknown>>) {
    const next = this.with({ builder });
    return options ? (next as FluentImageSpec).#merge('builderOptions', options) : next;
  }
  withDockerfile(
    dockerfile: string,
    options: {
      context?: string;
      target?: string;
      buildArgs?: Readonly<Record<string, string | number | boolean>>;
    } = {},
  ) {
    const next = this.with({
      dockerfile,
      ...(options.context !== undefined && { context: options.context }),
      ...(options.target !== undefined && { target: options.target }),
    });
    return options.buildArgs ? (next as FluentImageSpec).#merge('buildArgs', options.buildArgs) : next;
  }

  resolve(): ResolvedImageSpec {
    this.#resolved ??= normalizeSpec(this.input, { dir: this.dir });
    return this.#resolved;
  }
}

/** Duck-typed: an ImageSpec from another copy of core is still an ImageSpec. */
function isImageSpec(value: ImageSpec | ImageSpecInput): value is ImageSpec {
  return typeof (value as ImageSpec).resolve === 'function' && typeof (value as ImageSpec).dir === 'string';
}

/** The same spec with its host paths made absolute, so it can be embedded in a spec from another folder. */
function absolutize(input: Readonly<ImageSpecInput>, dir: string): ImageSpecInput {
  const abs = (path: string) => (isAbsolute(path) ? path : resolve(dir, path));
  return {
    ...input,
    ...(input.requirements !== undefined && { requirements: abs(input.requirements) }),
    ...(input.sourceRoot !== undefined && { sourceRoot: abs(input.sourceRoot) }),
    ...(input.dockerfile !== undefined && { dockerfile: abs(input.dockerfile) }),
    ...(input.context !== undefined && { context: abs(input.context) }),
    ...(input.copy && {
      copy: input.copy.map((entry) =>
        typeof entry === 'string' ? { src: abs(entry), dest: entry } : { ...entry, src: abs(entry.src) },
      ),
    }),
    ...(input.pipSecretMounts && {
      pipSecretMounts: input.pipSecretMounts.map((mount) =>
        mount.src === undefined ? mount : { ...mount, src: abs(mount.src) },
      ),
    }),
    ...(typeof input.baseImage === 'object' && { baseImage: absolutize(input.baseImage, dir) }),
  };
}

/** A copy of plain data (arrays and plain objects); anything else is kept by reference. */
function copyPlain<T>(value: T): T {
  if (Array.isArray(value)) return value.map(copyPlain) as T;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, child]) => child !== undefined)
        .map(([key, child]) => [key, copyPlain(child)]),
    ) as T;
  }
  return value;
}

function freeze<T>(value: T): T {
  if (
    Array.isArray(value) ||
    (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype)
  ) {
    for (const child of Object.values(value as object)) freeze(child);
    Object.freeze(value);
  }
  return value;
}
