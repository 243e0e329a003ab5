import type { Logger } from '../contract/builder.js';
import { createBuilderHost } from '../engine/host.js';
import { type RunBuildsOptions, type RunSummary, runBuilds } from '../engine/run.js';
import { ImagespecError } from '../errors.js';
import { lintSpecs } from '../lint/lint.js';
import { createLockResolver } from '../lock/base-resolver.js';
import { readLockFile } from '../lock/lock-file.js';
import { createBuilderSelection } from '../plugin/selection.js';
import { createRegistryAccess } from '../registry/access.js';
import { createRegistryClient } from '../registry/client.js';
import { loadProject, type ProjectOptions } from './project.js';

/** The run's own options are runBuilds' (push, force, dryRun, platform, builder, concurrency, signal, onEvent). */
export interface BuildOptions
  extends ProjectOptions,
    Pick<
      RunBuildsOptions,
      'push' | 'force' | 'dryRun' | 'platform' | 'builder' | 'concurrency' | 'signal' | 'onEvent'
    > {
  /** Builder logs (debug, info, warn). Default: silent. */
  readonly logger?: Logger;
}

const silent: Logger = { debug() {}, info() {}, warn() {} };

/**
 * `imagespec build` as one call: loads the config and specs, applies the lock, lints (as
 * `warning` events), builds what the registry lacks and returns the summary. A failed image
 * is a `failed` entry in the summary, not a rejection; bad input (a spec, the config, a
 * builder that is not installed) rejects with an ImagespecError.
 *
 *     const summary = await build({ specs: ['imagespec.yaml'], push: false });
 *     if (summary.images.some((image) => image.status === 'failed')) process.exitCode = 1;
 */
export async function build(options: BuildOptions = {}): Promise<RunSummary> {
  const project = await loadProject(options);
  if (options.push === true) {
    const local = project.specs.filter((spec) => !spec.registry);
    if (local.length > 0) {
      throw new ImagespecError(
        'FLAG_INVALID',
        `push was asked for, but ${local.map((s) => s.name).join(', ')} has no registry to push to.`,
        { hint: 'Set `registry` in the spec or `defaults.registry` in the config, or leave push unset.' },
      );
    }
  }
  const emit = options.onEvent ?? (() => {});
  const access = createRegistryAccess({ ...project.config, env: project.env, home: project.home });
  const host = createBuilderHost({
    logger: options.logger ?? silent,
    registries: access,
    cwd: project.config.dir,
    env: project.env,
  });
  const builders = createBuilderSelection(project.config.builders, host, {
    ...(project.config.file && { configFile: project.config.file }),
    locate: project.locate,
  });
  try {
    const lock = await readLockFile(project.config.dir);
    for (const warning of await lintSpecs(project.specs, { lock, locate: project.locate })) {
      emit({
        type: 'warning',
        message: `[${warning.rule}] ${warning.image}: ${warning.message}`,
        ...(warning.file && { file: warning.file }),
        ...(warning.line && { line: warning.line }),
      });
    }
    return await runBuilds({
      specs: project.specs,
      config: project.config,
      builders,
      registryClient: createRegistryClient({ access }),
      access,
      resolveBase: createLockResolver(lock),
      ...(options.push !== undefined && { push: options.push }),
      force: Boolean(options.force),
      dryRun: Boolean(options.dryRun),
      ...(options.platform && { platform: options.platform }),
      ...(options.builder && { builder: options.builder }),
      ...(options.concurrency && { concurrency: options.concurrency }),
      ...(options.signal && { signal: options.signal }),
      onEvent: emit,
    });
  } finally {
    await builders.dispose();
    await host.dispose();
  }
}
