import { dirname, posix, resolve } from 'node:path';
import { DEFAULT_WORKDIR } from '../context/layout.js';
import type {
  ImageSpecInput,
  MaybeArray,
  ResolvedCopyEntry,
  ResolvedDockerfile,
  ResolvedImageSpec,
  ResolvedSecretMount,
  SpecOrigin,
} from '../contract/spec.js';
import { ImagespecError } from '../errors.js';
import { requirementsKindOf } from './grammar.js';
import { formatIssuePath, issuesFromZod, type RawIssue } from './issues.js';
import { MAX_ISSUES_SHOWN, shortened } from './limits.js';
import { redactUrlCredentials } from './redact.js';
import { imageSpecSchema, secretIdFromTarget } from './schema.js';

/** The Python version, and so the base image, used when a spec names neither. */
export const DEFAULT_PYTHON_VERSION = '3.12';

/**
 * Without `baseImage`, a spec builds on the official slim Python image of its
 * `pythonVersion` (default 3.12): `python:3.12-slim`. It has pip and apt, which is what
 * packages/aptPackages need; set `baseImage` for anything else.
 */
export function defaultBaseImage(pythonVersion: string | undefined): string {
  return `python:${pythonVersion ?? DEFAULT_PYTHON_VERSION}-slim`;
}

/** One problem of a spec, as reported in `details.issues` of a SPEC_INVALID error. */
export interface SpecIssue {
  /** Field path, e.g. `packages[2]` or `images.app.env.PATH`. */
  readonly path: string;
  readonly message: string;
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
}

/**
 * Validates and normalizes a spec: sorted, de-duplicated package lists (order kept for
 * conda channels, commands, verify, copy), env and labels as sorted string maps, paths
 * resolved against `origin.dir`, defaults filled in. Pure. Throws one SPEC_INVALID error
 * listing every problem with its path.
 */
export function normalizeSpec(input: ImageSpecInput, origin: SpecOrigin): ResolvedImageSpec {
  const { spec, issues } = collectNormalizedSpec(input, origin);
  if (!spec) {
    throw specInvalidError(
      issues.map((issue) => ({
        path: formatIssuePath(issue.path),
        message: issue.message,
        ...(origin.file && { file: origin.file }),
      })),
      { name: typeof (input as { name?: unknown })?.name === 'string' ? input.name : undefined, file: origin.file },
    );
  }
  return spec;
}

export interface CollectOptions {
  /** An already resolved base spec (a multi-spec file's `baseImage: <key>`); replaces input.baseImage. */
  readonly base?: ResolvedImageSpec;
}

/** normalizeSpec without the throw, for callers that gather issues over several specs (the loader). */
export function collectNormalizedSpec(
  input: unknown,
  origin: SpecOrigin,
  options: CollectOptions = {},
): { spec?: ResolvedImageSpec; issues: RawIssue[] } {
  const parsed = imageSpecSchema.safeParse(input);
  if (!parsed.success) return { issues: issuesFromZod(parsed.error.issues, input) };
  return { spec: transform(parsed.data, origin, options.base), issues: [] };
}

function transform(input: ImageSpecInput, origin: SpecOrigin, base: ResolvedImageSpec | undefined): ResolvedImageSpec {
  const workdir = input.workdir ?? DEFAULT_WORKDIR;
  const hostPath = (path: string) => resolve(origin.dir, path);
  const baseImage =
    base ??
    // A Dockerfile names its own images; `scratch` says the spec has no base of imagespec's.
    (input.dockerfile !== undefined
      ? 'scratch'
      : typeof input.baseImage === 'object'
        ? transform(input.baseImage, origin, undefined)
        : (input.baseImage ?? defaultBaseImage(input.pythonVersion)));
  const spec: ResolvedImageSpec = {
    name: input.name,
    ...(input.registry !== undefined && { registry: input.registry }),
    tagFormat: input.tagFormat ?? '{hash}',
    tags: [...new Set(input.tags ?? [])],
    baseImage,
    platforms: sortedUnique(
      toArray(input.platform).flatMap((platform) => platform.split(',').map((part) => part.trim())),
    ),
    ...(input.pythonVersion !== undefined && { pythonVersion: input.pythonVersion }),
    packages: sortedUnique(trimmed(input.packages)),
    ...(input.requirements !== undefined && {
      requirements: { path: hostPath(input.requirements), kind: requirementsKindOf(input.requirements)! },
    }),
    condaPackages: sortedUnique(trimmed(input.condaPackages)),
    condaChannels: [...new Set(trimmed(input.condaChannels))],
    aptPackages: sortedUnique(trimmed(input.aptPackages)),
    commands: [...(input.commands ?? [])],
    env: sortedMap(input.env ?? {}, String),
    copy: (input.copy ?? []).map((entry): ResolvedCopyEntry => {
      const src = typeof entry === 'string' ? entry : entry.src;
      const dest =
        typeof entry === 'string'
          ? entry.replaceAll('\\', '/')
          : (entry.dest ?? posix.basename(src.replaceAll('\\', '/')));
      return { src: hostPath(src), dest: imagePath(workdir, dest) };
    }),
    ...(input.sourceRoot !== undefined && { sourceRoot: hostPath(input.sourceRoot) }),
    sourceCopyMode: input.sourceCopyMode ?? 'all',
    ...(input.entrypoint !== undefined && { entrypoint: execForm(input.entrypoint) }),
    ...(input.cmd !== undefined && { cmd: execForm(input.cmd) }),
    ...(input.workdir !== undefined && { workdir: posix.normalize(input.workdir) }),
    ...(input.user !== undefined && { user: input.user }),
    labels: sortedMap(input.labels ?? {}, String),
    ...(input.pipIndex !== undefined && { pipIndex: input.pipIndex }),
    pipExtraIndexUrl: [...new Set(toArray(input.pipExtraIndexUrl))],
    pipExtraArgs: toArray(input.pipExtraArgs).flatMap((args) => args.trim().split(/\s+/)),
    pipSecretMounts: (input.pipSecretMounts ?? []).map(
      (mount): ResolvedSecretMount => ({
        id: mount.id ?? secretIdFromTarget(mount.target),
        ...(mount.src !== undefined && { src: hostPath(mount.src) }),
        ...(mount.env !== undefined && { env: mount.env }),
        target: mount.target,
      }),
    ),
    ...(input.cuda !== undefined && { cuda: input.cuda }),
    ...(input.cudnn !== undefined && { cudnn: input.cudnn }),
    verify: [...(input.verify ?? [])],
    ...(input.builder !== undefined && { builder: input.builder }),
    builderOptions: Object.freeze({ ...(input.builderOptions ?? {}) }),
    origin: Object.freeze({ ...origin }),
    ...(input.dockerfile !== undefined && { dockerfile: resolveDockerfile(input, hostPath) }),
  };
  return deepFreeze(spec);
}

/** Paths absolute (the context defaults to the Dockerfile's folder), the target lower-cased as BuildKit compares stage names. */
function resolveDockerfile(input: ImageSpecInput, hostPath: (path: string) => string): ResolvedDockerfile {
  const path = hostPath(input.dockerfile as string);
  return {
    path,
    context: input.context !== undefined ? hostPath(input.context) : dirname(path),
    ...(input.target !== undefined && { target: input.target.toLowerCase() }),
    buildArgs: sortedMap(input.buildArgs ?? {}, String),
  };
}

/**
 * A string entrypoint/cmd means what it means in a Dockerfile's shell form: run by
 * `/bin/sh -c`. A list is the exec form, kept as is.
 */
function execForm(value: MaybeArray<string>): readonly string[] {
  return typeof value === 'string' ? ['/bin/sh', '-c', value] : [...value];
}

/** Relative destinations land under the workdir; trailing slashes are dropped. */
function imagePath(workdir: string, dest: string): string {
  const absolute = posix.normalize(dest.startsWith('/') ? dest : posix.join(workdir, dest));
  return absolute.length > 1 && absolute.endsWith('/') ? absolute.slice(0, -1) : absolute;
}

function toArray<T>(value: MaybeArray<T> | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? [...(value as readonly T[])] : [value as T];
}

function trimmed(list: readonly string[] | undefined): string[] {
  return (list ?? []).map((item) => item.trim());
}

/** Code-unit order: the same on every machine and locale. */
function sortedUnique(list: readonly string[]): string[] {
  return [...new Set(list)].sort();
}

/** Object.fromEntries defines keys, so `__proto__` stays a key (an assignment would drop it). */
function sortedMap<V>(record: Readonly<Record<string, V>>, stringify: (value: V) => string): Record<string, string> {
  return Object.fromEntries(
    Object.keys(record)
      .sort()
      .map((key) => [key, stringify(record[key] as V)]),
  );
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** One SPEC_INVALID error for a set of issues: each on its own line as `file:line:col path: message`. */
export function specInvalidError(
  issues: readonly SpecIssue[],
  subject: { name?: string | undefined; file?: string | undefined },
): ImagespecError {
  // A name is often what is wrong; a 1 MB one must not make a 1 MB message.
  const name = subject.name === undefined ? undefined : shortened(subject.name);
  const what = name ? `image spec \`${name}\`` : 'image spec';
  const where = subject.file ? ` in ${subject.file}` : '';
  const count = issues.length === 1 ? '1 problem' : `${issues.length.toLocaleString('en-US')} problems`;
  // A generated file can have thousands; the first ones say what is wrong.
  const shown = issues.slice(0, MAX_ISSUES_SHOWN);
  const lines = shown.map(
    (issue) => `  ${formatIssueLocation(issue)}${issue.path}: ${redactUrlCredentials(issue.message)}`,
  );
  if (issues.length > shown.length)
    lines.push(`  … and ${(issues.length - shown.length).toLocaleString('en-US')} more`);
  return new ImagespecError('SPEC_INVALID', `Invalid ${what}${where} (${count}):\n${lines.join('\n')}`, {
    hint: 'Fix the fields listed above; `imagespec schema` prints every field and its type.',
    details: {
      ...(subject.file && { file: subject.file }),
      issues: shown,
      ...(issues.length > shown.length && { more: issues.length - shown.length }),
    },
  });
}

function formatIssueLocation(issue: SpecIssue): string {
  if (!issue.file || issue.line === undefined) return '';
  return `${issue.file}:${issue.line}:${issue.column ?? 1} `;
}
