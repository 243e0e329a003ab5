import { homedir } from 'node:os';
import { resolve } from 'node:path';
import type { ResolvedConfig } from '../config/define.js';
import { loadConfig } from '../config/load.js';
import { resolveConfig } from '../config/resolve.js';
import type { ResolvedImageSpec } from '../contract/spec.js';
import { ImagespecError } from '../errors.js';
import type { Locate } from '../lint/lint.js';
import { applyConfigDefaults } from '../spec/apply-defaults.js';
import type { ImageSpec } from '../spec/fluent.js';
import { loadSpecFile } from '../spec/load.js';

/** A spec file path (relative to `cwd`), a fluent `imageSpec(...)`, or a resolved spec. */
export type SpecSource = string | ImageSpec | ResolvedImageSpec;

export interface ProjectOptions {
  /** Spec files or specs (default: `imagespec.yaml` in `cwd`). A file adds every image it defines. */
  readonly specs?: readonly SpecSource[];
  /** A config file (relative to `cwd`), or config as `defineConfig` takes it. Default: found upward from `cwd`. */
  readonly config?: string | object;
  /** Default: `process.cwd()`. */
  readonly cwd?: string;
  /** Environment for `${VAR}` in spec files, credentials and builders (default: `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface LoadedProject {
  readonly config: ResolvedConfig;
  readonly specs: readonly ResolvedImageSpec[];
  readonly locate: (spec: ResolvedImageSpec) => Locate | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly home: string;
}

/** Loads the config and the specs the way the CLI does: config defaults applied, bases before dependents. */
export async function loadProject(options: ProjectOptions): Promise<LoadedProject> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const env = options.env ?? process.env;
  const config =
    typeof options.config === 'object'
      ? resolveConfig(options.config, { dir: cwd })
      : await loadConfig({ cwd, env, ...(options.config && { configFile: resolve(cwd, options.config) }) });
  const sources = options.specs ?? ['imagespec.yaml'];
  if (sources.length === 0) {
    throw new ImagespecError('SPEC_INVALID', 'No spec was given to build or tag.', {
      hint: 'Pass spec file paths or imageSpec(...) values in `specs`.',
    });
  }
  const specs: ResolvedImageSpec[] = [];
  const locators = new Map<string, Locate>();
  for (const source of sources) {
    if (typeof source === 'string') {
      const loaded = await loadSpecFile(resolve(cwd, source), { env });
      locators.set(loaded.file, loaded.locate);
      specs.push(...loaded.specs);
    } else {
      specs.push(
        'resolve' in source && typeof source.resolve === 'function' ? source.resolve() : (source as ResolvedImageSpec),
      );
    }
  }
  return {
    config,
    specs: specs.map((spec) => applyConfigDefaults(spec, config)),
    locate: (spec) => (spec.origin.file ? locators.get(spec.origin.file) : undefined),
    env,
    home: env.HOME ?? homedir(),
  };
}
