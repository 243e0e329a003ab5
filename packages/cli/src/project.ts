import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import type { ResolvedImageSpec } from '@imagespec/core';
import { loadConfig, type ResolvedConfig } from '@imagespec/core/config';
import { ImagespecError } from '@imagespec/core/errors';
import { computeImageIdentity, type ImageIdentity } from '@imagespec/core/hash';
import type { Locate } from '@imagespec/core/lint';
import { createBaseResolver } from '@imagespec/core/lock';
import { applyConfigDefaults, loadSpecFile, parseSetFlag } from '@imagespec/core/spec';
import type { CliIo } from './io.js';

export interface ProjectOptions {
  readonly config?: string;
  readonly specs: readonly string[];
  /** `--set NAME=VALUE` flags, applied to every spec file. */
  readonly set?: readonly string[];
}

export interface Project {
  readonly config: ResolvedConfig;
  /** Every spec of every file, bases before dependents. */
  readonly specs: readonly ResolvedImageSpec[];
  /** Where a field of a spec sits in its file (for lint warnings with file:line). */
  readonly locate: (spec: ResolvedImageSpec) => Locate | undefined;
}

const DEFAULT_SPEC_FILES = ['imagespec.yaml', 'imagespec.yml', 'imagespec.json'];

/** Loads the config and the spec files named on the command line (or the default spec file). */
export async function loadProject(io: CliIo, options: ProjectOptions): Promise<Project> {
  const config = await loadConfig({
    cwd: io.cwd,
    env: io.env,
    ...(options.config && { configFile: resolve(io.cwd, options.config) }),
    ...(io.importModule && { importModule: io.importModule }),
  });
  const files = options.specs.length > 0 ? options.specs.map((file) => resolve(io.cwd, file)) : [defaultSpecFile(io)];
  const overrides = (options.set ?? []).map(parseSetFlag);
  const specs: ResolvedImageSpec[] = [];
  const locators = new Map<string, Locate>();
  for (const file of files) {
    const loaded = await loadSpecFile(file, { env: io.env, overrides });
    locators.set(loaded.file, loaded.locate);
    specs.push(...loaded.specs.map((spec) => applyConfigDefaults(spec, config)));
  }
  return { config, specs, locate: (spec) => (spec.origin.file ? locators.get(spec.origin.file) : undefined) };
}

/** The one image a command is about (--image, else the file's main image) and its identity, lock applied. */
export async function loadImage(
  io: CliIo,
  options: ProjectOptions & { readonly image?: string | undefined },
): Promise<{ project: Project; spec: ResolvedImageSpec; identity: ImageIdentity }> {
  const project = await loadProject(io, options);
  const spec = pickSpec(project.specs, options.image);
  const resolveBase = await createBaseResolver(project.config);
  const identity = await computeImageIdentity(spec, { resolveBase, signal: io.signal });
  return { project, spec, identity };
}

function defaultSpecFile(io: CliIo): string {
  const found = DEFAULT_SPEC_FILES.map((name) => resolve(io.cwd, name)).find((file) => existsSync(file));
  if (found) return found;
  throw new ImagespecError(
    'SPEC_NOT_FOUND',
    `No spec file was given and none of ${DEFAULT_SPEC_FILES.join(', ')} exists in ${io.cwd}.`,
    {
      hint: 'Name a spec file (`imagespec build path/to/spec.yaml`), or run `imagespec init` to write a starter spec.',
    },
  );
}

/** Picks one spec: the one named by --image, or the only one, or the last (the file's main image). */
function pickSpec(specs: readonly ResolvedImageSpec[], image: string | undefined): ResolvedImageSpec {
  if (image) {
    const match = specs.find((spec) => spec.name === image || spec.origin.key === image);
    if (!match) {
      throw new ImagespecError(
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
    throw new ImagespecError('SPEC_INVALID', 'The spec file defines no image.', {
      hint: 'Add a spec, or run `imagespec init`.',
    });
  return last;
}

export function homeDir(io: CliIo): string {
  return io.env.HOME ?? homedir();
}
