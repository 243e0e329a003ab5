import * as z from 'zod';
import type { ImageSpecInput } from '../contract/spec.js';
import {
  IMAGE_NAME_MAX_LENGTH,
  requirementsKindOf,
  validateAptPackage,
  validateBaseImageRef,
  validateCondaChannel,
  validateCondaPackage,
  validateConfigValue,
  validateEnvName,
  validateImageName,
  validateLabelKey,
  validatePipArg,
  validatePipRequirement,
  validatePlatform,
  validateRegistry,
  validateTag,
  validateUrl,
} from './grammar.js';
import { commandRefusal, dockerPathRefusal, type Refusal } from './instruction-rules.js';
import { MAX_FIELD_ENTRIES, shortened } from './limits.js';
import { tagTemplateProblem } from './tag-template.js';

/**
 * The zod schema of `ImageSpecInput`: every field, strict (an unknown key is an error),
 * with each value checked against its grammar so that one `safeParse` reports every
 * problem of a spec at once. Normalization (defaults, sorting, paths) is normalize.ts's job.
 */

type Check = (value: string) => string | undefined;

function checked(...checks: Check[]) {
  return z.string().superRefine((value, ctx) => {
    for (const check of checks) {
      const message = check(value);
      if (message) {
        ctx.addIssue({ code: 'custom', message: abbreviated(message, value) });
        return;
      }
    }
  });
}

/** A message quotes the value; a 1 MB value would make a 1 MB message. */
function abbreviated(message: string, value: string): string {
  const short = shortened(value);
  return short === value ? message : message.replaceAll(value, short).replaceAll(value.trim(), short);
}

/** A check from a grammar Refusal: "<what> `<value>` <problem>; <fix>". */
const refused =
  (what: string, refusal: (value: string) => Refusal | undefined): Check =>
  (value) => {
    const found = refusal(value);
    if (!found) return undefined;
    const fix = found.fix ? ` (${found.fix.replace(/\.$/, '').replace(/^./, (c) => c.toLowerCase())})` : '';
    return `${what} \`${value}\` ${found.problem}${fix}`;
  };

/** The last component, which names a copied file inside the build context. */
const contextName = (path: string) => path.replaceAll('\\', '/').split('/').filter(Boolean).pop() ?? path;

const noControl =
  (what: string): Check =>
  (value) =>
    validateConfigValue(value, what);
const nonEmpty =
  (what: string): Check =>
  (value) =>
    value.trim() === '' ? `${what} is empty` : undefined;
const pattern =
  (regex: RegExp, message: (value: string) => string): Check =>
  (value) =>
    regex.test(value) ? undefined : message(value);
const absolutePosix =
  (what: string): Check =>
  (value) =>
    value.startsWith('/') ? undefined : `${what} \`${value}\` must be an absolute path inside the image (start with /)`;

/** Placeholder hash used to check that a tag format yields a valid tag. */
const SAMPLE_HASH = 'a'.repeat(26);

const tagFormatCheck: Check = (value) => {
  if (!value.includes('{hash}')) return `tag format \`${value}\` must contain \`{hash}\``;
  if (validateTag(value.replaceAll('{hash}', SAMPLE_HASH)) === undefined) return undefined;
  return `tag format \`${value}\` does not yield a valid tag (up to 128 of letters, digits, _ . -; not starting with . or -)`;
};

const requirementsCheck: Check = (value) =>
  requirementsKindOf(value)
    ? undefined
    : `requirements file \`${value}\` must be named requirements*.txt, uv.lock or poetry.lock (its kind is read from its name)`;

const platformCheck: Check = (value) => {
  for (const platform of value.split(',')) {
    const problem = validatePlatform(platform.trim());
    if (problem) return problem;
  }
  return undefined;
};

const pipArgsCheck: Check = (value) => {
  for (const arg of value.trim().split(/\s+/)) {
    const problem = validatePipArg(arg);
    if (problem) return problem;
  }
  return undefined;
};

const version = (what: string) =>
  checked(pattern(/^\d+(?:\.\d+){0,3}$/, (value) => `${what} \`${value}\` is not a version number like 3.12 or 12.4`));

const maybeArray = (item: z.ZodType<string>) => z.union([item, list(item)]);

/** entrypoint and cmd: written in JSON form, where any character is escaped. */
const command = (what: string) =>
  checked(nonEmpty(what), (value) => (value.includes('\0') ? `${what} contains a NUL byte` : undefined));

/** commands and verify: written after RUN as is. */
const runCommand = (what: string) => checked(refused(what, commandRefusal));

/** A bare copy path lands at the same relative path under the workdir, so it must be relative and stay inside. */
const relativeInside: Check = (value) => {
  const posix = value.replaceAll('\\', '/');
  if (posix.startsWith('/') || /^[A-Za-z]:\//.test(posix)) {
    return `copy path \`${value}\` is absolute; write it as { src, dest } to say where it goes in the image`;
  }
  const normalized = posix.split('/').reduce<string[]>((parts, part) => {
    if (part === '..') parts.length > 0 && parts[parts.length - 1] !== '..' ? parts.pop() : parts.push('..');
    else if (part !== '.' && part !== '') parts.push(part);
    return parts;
  }, []);
  if (normalized[0] === '..') return `copy path \`${value}\` leaves the spec's folder; write it as { src, dest }`;
  if (normalized.length === 0)
    return `copy path \`${value}\` is the spec's folder itself; use sourceRoot, or { src, dest }`;
  return undefined;
};

// A copied file enters the context under its last name (a COPY source, so no globs) and
// lands at its dest; both are written into the COPY line.
const copyEntry = z.union([
  checked(
    nonEmpty('copy path'),
    noControl('copy path'),
    relativeInside,
    refused('copy path', (path) => dockerPathRefusal(contextName(path), { source: true, spaces: true })),
    refused('copy path', (path) => dockerPathRefusal(path.replaceAll('\\', '/'), { spaces: true })),
  ),
  z.strictObject({
    src: checked(
      nonEmpty('copy src'),
      noControl('copy src'),
      refused('copy src', (path) => dockerPathRefusal(contextName(path), { source: true, spaces: true })),
    ),
    dest: checked(
      nonEmpty('copy dest'),
      noControl('copy dest'),
      refused('copy dest', (path) => dockerPathRefusal(path, { spaces: true })),
    ).optional(),
  }),
]);

const SECRET_ID = /^[A-Za-z0-9_.-]+$/;

const secretMount = z
  .strictObject({
    id: checked(
      pattern(SECRET_ID, (value) => `secret id \`${value}\` may hold only letters, digits, _ . -`),
    ).optional(),
    src: checked(nonEmpty('secret src'), noControl('secret src')).optional(),
    env: checked(validateEnvName).optional(),
    target: checked(
      noControl('secret target'),
      absolutePosix('secret target'),
      refused('secret target', dockerPathRefusal),
      pattern(
        /^[^,=]*$/,
        (value) => `secret target \`${value}\` contains "," or "=", which a --mount flag cannot hold`,
      ),
    ),
  })
  .superRefine((mount, ctx) => {
    if ((mount.src === undefined) === (mount.env === undefined)) {
      ctx.addIssue({
        code: 'custom',
        message: 'a secret mount needs exactly one of `src` (a file) or `env` (a variable)',
      });
    }
    const implied = mount.id === undefined ? secretIdFromTarget(mount.target) : undefined;
    if (implied !== undefined && !SECRET_ID.test(implied)) {
      ctx.addIssue({
        code: 'custom',
        path: ['target'],
        message: `secret target \`${mount.target}\` gives the secret id \`${implied}\` (its file name), which may hold only letters, digits, _ . -; set \`id\``,
      });
    }
  });

/** A secret's id when none is given: the target's file name (`/etc/pip.conf` -> `pip.conf`). */
export function secretIdFromTarget(target: string): string {
  return target.split('/').filter(Boolean).pop() ?? 'secret';
}

/**
 * A map whose keys pass `checkKey` and values `value`. Written by hand rather than with
 * z.record, whose output drops a `__proto__` key: an env variable may have that name, and
 * a field must never vanish without a word. The map is passed on as the loader built it.
 */
function keysChecked<T extends z.ZodType>(value: T, checkKey: Check) {
  return z.custom<Record<string, z.output<T>>>().superRefine((record, ctx) => {
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      ctx.addIssue({ code: 'invalid_type', expected: 'record', input: record });
      return;
    }
    const keys = Object.keys(record);
    if (keys.length > MAX_FIELD_ENTRIES) {
      ctx.addIssue({ code: 'custom', message: tooManyEntries(keys.length) });
      return;
    }
    for (const key of keys) {
      const parsed = value.safeParse(record[key]);
      if (!parsed.success)
        for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, path: [key, ...issue.path] });
    }
    for (const key of keys) {
      const message = checkKey(key);
      if (message) ctx.addIssue({ code: 'custom', message, path: [key] });
    }
  });
}

function tooManyEntries(count: number): string {
  return `has ${count.toLocaleString('en-US')} entries; a field holds at most ${MAX_FIELD_ENTRIES.toLocaleString('en-US')} (a limit against runaway files)`;
}

/** A list field, capped like every list and map of a spec. */
function list<T extends z.ZodType>(item: T) {
  return z.array(item).max(MAX_FIELD_ENTRIES, { error: (issue) => tooManyEntries((issue.input as unknown[]).length) });
}

const envValue = z.union([
  checked(noControl('environment value')),
  z.number().refine(Number.isFinite, 'environment value must be a finite number'),
  z.boolean(),
]);

/**
 * builderOptions are merged key by key over the config's (plugin/spec-options.ts): a key named
 * `__proto__` would set an object's prototype there instead of being an option. Refused at
 * any depth, so it can neither vanish nor smuggle values.
 */
const protoKeyCheck: Check = (key) =>
  key === '__proto__' ? 'a builder option may not be named `__proto__` (it is no option name)' : undefined;

const builderOptionValue = z.unknown().superRefine((value, ctx) => {
  const visit = (node: unknown, path: (string | number)[]): void => {
    if (node === null || typeof node !== 'object') return;
    for (const [key, child] of Object.entries(node)) {
      const message = Array.isArray(node) ? undefined : protoKeyCheck(key);
      if (message) ctx.addIssue({ code: 'custom', message, path: [...path, key] });
      visit(child, [...path, Array.isArray(node) ? Number(key) : key]);
    }
  };
  visit(value, []);
});

const specFields = {
  name: checked(validateImageName),
  registry: checked(validateRegistry).optional(),
  tagFormat: checked(tagFormatCheck).optional(),
  tags: list(checked(tagTemplateProblem)).optional(),
  get baseImage() {
    return z.union([checked(validateBaseImageRef), imageSpecSchema]).optional();
  },
  platform: maybeArray(checked(platformCheck)).optional(),
  pythonVersion: checked(
    pattern(
      /^\d+(?:\.\d+){0,2}$/,
      (value) => `python version \`${value}\` is not a version number like 3.12 or 3.12.4`,
    ),
  ).optional(),
  packages: list(checked(validatePipRequirement)).optional(),
  requirements: checked(nonEmpty('requirements'), noControl('requirements'), requirementsCheck).optional(),
  condaPackages: list(checked(validateCondaPackage)).optional(),
  condaChannels: list(checked(validateCondaChannel)).optional(),
  aptPackages: list(checked(validateAptPackage)).optional(),
  commands: list(runCommand('command')).optional(),
  env: keysChecked(envValue, validateEnvName).optional(),
  copy: list(copyEntry).optional(),
  sourceRoot: checked(nonEmpty('source root'), noControl('source root')).optional(),
  sourceCopyMode: z.enum(['all', 'none']).optional(),
  entrypoint: maybeArray(command('entrypoint')).optional(),
  cmd: maybeArray(command('cmd')).optional(),
  workdir: checked(noControl('workdir'), absolutePosix('workdir'), refused('workdir', dockerPathRefusal)).optional(),
  user: checked(
    pattern(
      /^[A-Za-z0-9_][A-Za-z0-9_.-]*(?::[A-Za-z0-9_][A-Za-z0-9_.-]*)?$/,
      (value) => `user \`${value}\` is not user[:group] (names or numeric ids)`,
    ),
  ).optional(),
  labels: keysChecked(checked(noControl('label value')), validateLabelKey).optional(),
  pipIndex: checked((value) => validateUrl(value, 'pip index')).optional(),
  pipExtraIndexUrl: maybeArray(checked((value) => validateUrl(value, 'pip extra index URL'))).optional(),
  pipExtraArgs: maybeArray(checked(pipArgsCheck)).optional(),
  pipSecretMounts: list(secretMount)
    .superRefine((mounts, ctx) => {
      const seen = new Set<string>();
      mounts.forEach((mount, index) => {
        const id = mount.id ?? secretIdFromTarget(mount.target);
        if (seen.has(id)) ctx.addIssue({ code: 'custom', message: `secret id \`${id}\` is used twice`, path: [index] });
        seen.add(id);
      });
    })
    .optional(),
  cuda: version('CUDA version').optional(),
  cudnn: version('cuDNN version').optional(),
  verify: list(runCommand('verify command')).optional(),
  builder: checked(
    pattern(/^[A-Za-z0-9@][A-Za-z0-9@/._-]*$/, (value) => `builder \`${value}\` is not a builder name`),
  ).optional(),
  builderOptions: keysChecked(builderOptionValue, protoKeyCheck).optional(),
  dockerfile: checked(nonEmpty('dockerfile'), noControl('dockerfile')).optional(),
  context: checked(nonEmpty('context'), noControl('context')).optional(),
  target: checked(
    pattern(
      /^[A-Za-z0-9][A-Za-z0-9_.-]*$/,
      (value) => `target \`${value}\` is not a stage name (an \`AS name\` of a FROM line)`,
    ),
  ).optional(),
  buildArgs: keysChecked(envValue, (key) =>
    /^[A-Za-z_][A-Za-z0-9_]*$/.test(key)
      ? undefined
      : `build arg \`${key}\` is not an ARG name (letters, digits and _)`,
  ).optional(),
};

/** What a spec with its own Dockerfile may set beside it: where the image goes and how it is checked, not what is in it. */
const DOCKERFILE_SPEC_FIELDS: ReadonlySet<string> = new Set([
  'name',
  'registry',
  'tagFormat',
  'tags',
  'platform',
  'labels',
  'verify',
  'builder',
  'builderOptions',
  'dockerfile',
  'context',
  'target',
  'buildArgs',
]);

/** Fields that describe a Dockerfile's build and mean nothing without one. */
const DOCKERFILE_ONLY_FIELDS = ['context', 'target', 'buildArgs'] as const;

/** Python-layer fields beside `dockerfile`, and Dockerfile fields without it: each an issue at its path. */
function checkDockerfileFields(spec: ImageSpecInput, ctx: z.RefinementCtx): void {
  if (spec.dockerfile === undefined) {
    for (const field of DOCKERFILE_ONLY_FIELDS) {
      if (spec[field] === undefined) continue;
      ctx.addIssue({ code: 'custom', path: [field], message: `${field} applies to a Dockerfile: set dockerfile too` });
    }
    return;
  }
  for (const field of Object.keys(spec)) {
    if (DOCKERFILE_SPEC_FIELDS.has(field) || spec[field as keyof ImageSpecInput] === undefined) continue;
    ctx.addIssue({
      code: 'custom',
      path: [field],
      message: `${field} cannot be set on a spec with its own dockerfile, which is built as the Dockerfile says; to add ${field} on top of that image, write a second spec in this file with \`baseImage: <this spec's key>\` (it is built first, then layered on)`,
    });
  }
}

export const imageSpecSchema: z.ZodType<ImageSpecInput> = z.strictObject(specFields).superRefine((spec, ctx) => {
  checkDockerfileFields(spec, ctx);
  if (typeof spec.name !== 'string' || spec.name.length > IMAGE_NAME_MAX_LENGTH) return; // reported on name
  const full = typeof spec.registry === 'string' ? `${spec.registry}/${spec.name}` : spec.name;
  if (full.length > IMAGE_NAME_MAX_LENGTH) {
    ctx.addIssue({
      code: 'custom',
      // The name alone was checked: the registry is what makes it too long.
      path: ['registry'],
      message: `registry/name is ${full.length} characters long; a registry takes at most ${IMAGE_NAME_MAX_LENGTH}`,
    });
  }
});

/** Every field name of a spec, camelCase, in the order of the contract. */
export const SPEC_FIELDS: readonly string[] = Object.keys(specFields);

/** flytekit's snake_case names that differ from ours; the loader renames them. */
export const FLYTEKIT_ALIASES: Readonly<Record<string, string>> = Object.fromEntries(
  SPEC_FIELDS.filter((field) => /[A-Z]/.test(field)).map((field) => [
    field.replace(/[A-Z]/g, (char) => `_${char.toLowerCase()}`),
    field,
  ]),
);
