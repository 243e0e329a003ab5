import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BuilderDefinition } from '../contract/builder.js';
import { ImagespecError } from '../errors.js';
import { type ImportModule, nativeImport } from '../import-module.js';
import { validateBuilderDefinition } from './validate.js';

export interface LoadedBuilderModule {
  readonly definition: BuilderDefinition<unknown>;
  /** The specifier as the config wrote it (shown in errors and `imagespec builders`). */
  readonly source: string;
  /** The file that was imported. */
  readonly file: string;
  /** For a package: its name and, from its package.json, its version. */
  readonly packageName?: string;
  readonly version?: string;
}

/** A builder module found but not imported yet: where it is, and what its package.json says of it. */
export interface LocatedBuilderModule {
  readonly source: string;
  readonly file: string;
  readonly packageName?: string;
  readonly version?: string;
  /**
   * The builder's name and priority as its package.json declares them
   * (`"imagespec": { "builder": { "name", "priority" } }`): enough to order it without
   * importing it, so selection imports it only when it reaches it.
   */
  readonly declared?: DeclaredBuilder;
}

export interface DeclaredBuilder {
  readonly name: string;
  readonly priority: number;
}

export interface LoadBuilderOptions {
  /** The config file's folder: packages resolve from here first, paths relative to it. */
  readonly fromDir: string;
  /** The config file, for error messages. */
  readonly configFile?: string;
  /** Imports the module, exsolve and jiti (default: this module's `import()`). */
  readonly importModule?: ImportModule;
}

/**
 * Imports a builder module and validates its default export. A package name resolves from
 * the config's folder first, then from core's own location (a global CLI still finds
 * builders installed next to it); a path resolves against the config's folder. TypeScript
 * files load through jiti. `default` is unwrapped twice (an ESM namespace around a CJS
 * module that itself has `exports.default`).
 */
export async function loadBuilderModule(specifier: string, options: LoadBuilderOptions): Promise<LoadedBuilderModule> {
  return importBuilderModule(await locateBuilderModule(specifier, options), options);
}

/** Resolves a builder module as `loadBuilderModule` does, and reads its package.json, without importing it. */
export async function locateBuilderModule(
  specifier: string,
  options: LoadBuilderOptions,
): Promise<LocatedBuilderModule> {
  const where = options.configFile ?? 'your imagespec config';
  const importModule = options.importModule ?? nativeImport;
  const isPath = specifier.startsWith('.') || isAbsolute(specifier) || specifier.startsWith('file:');
  let file: string;
  let packageName: string | undefined;
  if (isPath) {
    file = specifier.startsWith('file:') ? fileURLToPath(specifier) : resolve(options.fromDir, specifier);
    if (!existsSync(file)) {
      throw new ImagespecError(
        'PLUGIN_NOT_INSTALLED',
        `The builder file ${file} (builders entry "${specifier}" in ${where}) does not exist.`,
        {
          hint: `Fix the path in ${where}; relative paths resolve against ${options.fromDir}.`,
          details: { source: specifier, file },
        },
      );
    }
  } else {
    packageName = packageNameOf(specifier);
    // Node's own ESM algorithm (exports, conditions node+import), through exsolve: a fraction of jiti's load.
    const { resolveModuleURL } = (await importModule('exsolve')) as typeof import('exsolve');
    const found = resolveModuleURL(specifier, {
      from: [pathToFileURL(join(options.fromDir, '/')), import.meta.url],
      try: true,
      cache: false,
    });
    if (found === undefined) {
      throw new ImagespecError(
        'PLUGIN_NOT_INSTALLED',
        `The builder package ${specifier} (in ${where}) is not installed: it resolves neither from ${options.fromDir} nor from @imagespec/core's own folder.`,
        {
          hint: `Run \`npm install -D ${packageName}\` in ${options.fromDir}, or remove "${specifier}" from builders in ${where}.`,
          details: { source: specifier, package: packageName, install: `npm install -D ${packageName}` },
        },
      );
    }
    file = found.startsWith('file:') ? fileURLToPath(found) : found;
  }
  const manifest = packageName ? await readPackageManifest(file, packageName) : undefined;
  const declared = manifest && declaredBuilder(manifest, specifier, where);
  return {
    source: specifier,
    file,
    ...(packageName && { packageName }),
    ...(manifest?.version && { version: manifest.version }),
    ...(declared && { declared }),
  };
}

/** Imports a located builder module and validates its default export (and its declared name and priority). */
export async function importBuilderModule(
  located: LocatedBuilderModule,
  options: Pick<LoadBuilderOptions, 'importModule'>,
): Promise<LoadedBuilderModule> {
  const importModule = options.importModule ?? nativeImport;
  const { source: specifier, file, packageName, version, declared } = located;
  let module: unknown;
  try {
    module = /\.[cm]?ts$/.test(file)
      ? await (await createLoader(importModule)).import(file)
      : await importModule(pathToFileURL(file).href);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new ImagespecError('PLUGIN_INVALID', `The builder ${specifier} (${file}) failed to load: ${reason}`, {
      hint: packageName
        ? `Reinstall ${packageName} (npm install -D ${packageName}) or report the error to its authors.`
        : `Fix the error in ${file}.`,
      cause: error,
      details: { source: specifier, file },
    });
  }
  const definition = validateBuilderDefinition(unwrapDefault(module), specifier);
  if (declared && (declared.name !== definition.name || declared.priority !== definition.priority)) {
    throw new ImagespecError(
      'PLUGIN_INVALID',
      `The builder ${specifier} declares name "${declared.name}" and priority ${declared.priority} in its package.json, but its module defines "${definition.name}" with priority ${definition.priority}.`,
      {
        hint: `Reinstall ${packageName ?? specifier}; its authors must keep package.json's imagespec.builder equal to the definition.`,
        details: { source: specifier, declared, defined: { name: definition.name, priority: definition.priority } },
      },
    );
  }
  return { definition, source: specifier, file, ...(packageName && { packageName }), ...(version && { version }) };
}

/** `imagespec.builder` of a package.json, checked: a malformed one is the package's error, not silently ignored. */
function declaredBuilder(manifest: PackageManifest, specifier: string, where: string): DeclaredBuilder | undefined {
  const field = manifest.imagespec;
  if (field === undefined || typeof field !== 'object' || field === null || !('builder' in field)) return undefined;
  const builder = (field as { builder?: unknown }).builder as { name?: unknown; priority?: unknown } | null;
  if (
    typeof builder?.name === 'string' &&
    builder.name.length > 0 &&
    typeof builder.priority === 'number' &&
    Number.isFinite(builder.priority)
  ) {
    return { name: builder.name, priority: builder.priority };
  }
  throw new ImagespecError(
    'PLUGIN_INVALID',
    `The builder package ${specifier} (in ${where}) has an invalid imagespec.builder in its package.json: expected { "name": string, "priority": number }.`,
    { hint: `Reinstall ${specifier} or report it to its authors.`, details: { source: specifier, builder } },
  );
}

async function createLoader(importModule: ImportModule) {
  // Only builders written in TypeScript need jiti, which is slow to load.
  const { createJiti } = (await importModule('jiti')) as typeof import('jiti');
  return createJiti(import.meta.url, { moduleCache: false });
}

function unwrapDefault(module: unknown): unknown {
  let value = module;
  for (let i = 0; i < 2; i++) {
    if (typeof value !== 'object' || value === null || !('default' in value) || 'create' in value) break;
    value = (value as { default: unknown }).default;
  }
  return value;
}

/** `@scope/pkg/sub` -> `@scope/pkg`, `pkg/sub` -> `pkg`. */
export function packageNameOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

interface PackageManifest {
  readonly version?: string;
  readonly imagespec?: unknown;
}

/** The version and `imagespec` field of the nearest package.json named `packageName` above the module file. */
async function readPackageManifest(file: string, packageName: string): Promise<PackageManifest | undefined> {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as {
        name?: unknown;
        version?: unknown;
        imagespec?: unknown;
      };
      if (pkg.name === packageName) {
        return {
          ...(typeof pkg.version === 'string' && { version: pkg.version }),
          ...(pkg.imagespec !== undefined && { imagespec: pkg.imagespec }),
        };
      }
    } catch {
      // no (readable) package.json here: keep walking up
    }
    if (dirname(dir) === dir) return undefined;
  }
}
