import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import type { ResolvedConfig, ResolvedImageSpec } from '@imagespec/core';
import type { CliIo } from './io.js';

export interface ProjectOptions {
  readonly config?: string;
  readonly specs: readonly string[];
}

export interface Project {
  readonly config: ResolvedConfig;
  /** Every spec of every file, bases before dependents. */
  readonly specs: readonly ResolvedImageSpec[];
  /** Where a field of a spec sits in its file (for lint warnings with file:line). */
  readonly locate: (
    spec: ResolvedImageSpec,
  ) => ((path: readonly (string | number)[]) => { line: number; column: number } | undefined) | undefined;
}

const DEFAULT_SPEC_FILES = ['imagespec.yaml', 'imagespec.yml', 'imagespec.json'];

/** Loads the config and the spec files named on the command line (or the default spec file). */
export async function loadProject(io: CliIo, options: ProjectOptions): Promise<Project> {
  const core = await import('@imagespec/core');
  const config = await core.loadConfig({
    cwd: io.cwd,
    ...(options.config && { configFile: resolve(io.cwd, options.config) }),
  });
  const files =
    options.specs.length > 0 ? options.specs.map((file) => resolve(io.cwd, file)) : [defaultSpecFile(io, core)];
  const specs: ResolvedImageSpec[] = [];
  const locators = new Map<
    string,
    (path: readonly (string | number)[]) => { line: number; column: number } | undefined
  >();
  for (const file of files) {
    const loaded = await core.loadSpecFile(file);
    locators.set(loaded.file, (path) => loaded.locate([...path]));
    specs.push(...loaded.specs.map((spec) => core.applyConfigDefaults(spec, config)));
  }
  return { config, specs, locate: (spec) => (spec.origin.file ? locators.get(spec.origin.file) : undefined) };
}

function defaultSpecFile(io: CliIo, core: typeof import('@imagespec/core')): string {
  const found = DEFAULT_SPEC_FILES.map((name) => resolve(io.cwd, name)).find((file) => existsSync(file));
  if (found) return found;
  throw new core.ImagespecError(
    'SPEC_NOT_FOUND',
    `No spec file was given and none of ${DEFAULT_SPEC_FILES.join(', ')} exists in ${io.cwd}.`,
    {
      hint: 'Name a spec file (`imagespec build path/to/spec.yaml`), or run `imagespec init` to write a starter spec.',
    },
  );
}

/** Picks one spec: the one named by --image, or the only one, or the last (the file's main image). */
export function pickSpec(
  specs: readonly ResolvedImageSpec[],
  image: string | undefined,
  core: typeof import('@imagespec/core'),
): ResolvedImageSpec {
  if (image) {
    const match = specs.find((spec) => spec.name === image || spec.origin.key === image);
    if (!match) {
      throw new core.ImagespecError(
        'FLAG_INVALID',
        `--image ${image} names no image in the spec file; it has: ${specs.map((s) => s.name).join(', ')}.`,
        {
          hint: 'Pass one of the listed names to --image.',
        },
      );
    }
    return match;
  }
  const last = specs[specs.length - 1];
  if (!last)
    throw new core.ImagespecError('SPEC_INVALID', 'The spec file defines no image.', {
      hint: 'Add a spec, or run `imagespec init`.',
    });
  return last;
}

export function homeDir(io: CliIo): string {
  return io.env.HOME ?? homedir();
}
