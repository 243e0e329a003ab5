import { isAbsolute, resolve } from 'node:path';
import * as z from 'zod';
import { ImagespecError } from '../errors.js';
import { formatIssuePath } from '../spec/issues.js';
import type { BuilderOption, ResolvedBuilderEntry, ResolvedConfig } from './define.js';

const registrySchema = z.strictObject({
  insecure: z.boolean().optional(),
  ca: z.string().min(1).optional(),
  credHelper: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a credential helper name such as ecr-login (docker-credential-<name>)')
    .optional(),
});

const configSchema = z.strictObject({
  builders: z.array(z.unknown()).optional(),
  defaults: z
    .strictObject({
      registry: z.string().min(1).optional(),
      platform: z.union([z.string().min(1), z.array(z.string().min(1))]).optional(),
      builder: z.string().min(1).optional(),
      concurrency: z.int().min(1).optional(),
    })
    .optional(),
  registries: z.record(z.string().min(1), registrySchema).optional(),
  mirrors: z.record(z.string().min(1), z.string().min(1)).optional(),
});

export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
}

/**
 * Validates a config object (what the file exported) and resolves it: builders flattened
 * to `[target, options]` pairs, platforms sorted, CA paths absolute. Pure; throws one
 * CONFIG_INVALID listing every problem with its field path and the file.
 */
export function resolveConfig(
  input: unknown,
  origin: { readonly file?: string; readonly dir: string },
): ResolvedConfig {
  const where = origin.file ?? 'the config';
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ImagespecError('CONFIG_INVALID', `${where} must export an object, but it exports ${describe(input)}.`, {
      hint: 'Export the config as the default export: `export default defineConfig({ builders: [...] })`.',
      details: { file: origin.file },
    });
  }
  const parsed = configSchema.safeParse(input);
  const issues: ConfigIssue[] = parsed.success
    ? []
    : parsed.error.issues.flatMap((issue) =>
        issue.code === 'unrecognized_keys'
          ? issue.keys.map((key) => ({ path: formatIssuePath([...issue.path, key]), message: 'unknown field' }))
          : [{ path: formatIssuePath(issue.path), message: issue.message }],
      );
  const builders: ResolvedBuilderEntry[] = [];
  const rawBuilders = (input as { builders?: unknown }).builders;
  if (Array.isArray(rawBuilders)) flattenBuilders(rawBuilders, ['builders'], builders, issues);
  if (!parsed.success || issues.length > 0) {
    throw new ImagespecError(
      'CONFIG_INVALID',
      `Invalid config in ${where}: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}.`,
      {
        hint: 'Fix the fields named above; see the Config section of the README.',
        details: { file: origin.file, issues },
      },
    );
  }
  const { defaults: { platform: rawPlatform, ...defaults } = {}, registries = {}, mirrors = {} } = parsed.data;
  const platform = rawPlatform === undefined ? undefined : [...new Set([rawPlatform].flat())].sort();
  return deepFreeze<ResolvedConfig>({
    ...(origin.file !== undefined && { file: origin.file }),
    dir: origin.dir,
    builders,
    defaults: { ...defaults, ...(platform && { platform }) },
    registries: Object.fromEntries(
      Object.entries(registries).map(([host, settings]) => [
        host,
        settings.ca === undefined || isAbsolute(settings.ca)
          ? settings
          : { ...settings, ca: resolve(origin.dir, settings.ca) },
      ]),
    ),
    mirrors,
  });
}

/** The builders of a config without one: the local Docker engine. */
export const DEFAULT_BUILDERS: readonly BuilderOption[] = ['@imagespec/builder-docker'];

/**
 * Flattens what users write (vite's PluginOption: falsy dropped, nested lists flattened)
 * into `[target, options]` pairs. A two-element list whose second element is a plain
 * object that is not itself a builder is an options tuple; any other list is nested.
 */
export function flattenBuilders(
  value: readonly unknown[],
  path: readonly (string | number)[],
  into: ResolvedBuilderEntry[],
  issues: ConfigIssue[],
): void {
  value.forEach((item, index) => {
    const itemPath = [...path, index];
    if (item === false || item === null || item === undefined) return;
    if (typeof item === 'string') {
      if (item.trim() === '')
        issues.push({ path: formatIssuePath(itemPath), message: 'a builder package name or path must not be empty' });
      else into.push([item, {}]);
      return;
    }
    if (isDefinitionLike(item)) {
      into.push([item as ResolvedBuilderEntry[0], {}]);
      return;
    }
    if (Array.isArray(item)) {
      const [target, options] = item as unknown[];
      if (item.length === 2 && (typeof target === 'string' || isDefinitionLike(target)) && isPlainOptions(options)) {
        if (typeof target === 'string' && target.trim() === '') {
          issues.push({
            path: formatIssuePath([...itemPath, 0]),
            message: 'a builder package name or path must not be empty',
          });
        } else {
          into.push([target as ResolvedBuilderEntry[0], options as Record<string, unknown>]);
        }
        return;
      }
      flattenBuilders(item, itemPath, into, issues);
      return;
    }
    issues.push({
      path: formatIssuePath(itemPath),
      message: `expected a package name, a path, a builder definition or [name, options], got ${describe(item)}`,
    });
  });
}

function isDefinitionLike(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as { create?: unknown }).create === 'function'
  );
}

function isPlainOptions(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isDefinitionLike(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `${typeof value === 'string' ? 'the string' : `a ${typeof value}`} ${JSON.stringify(value) ?? String(value)}`;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value) && !isDefinitionLike(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
