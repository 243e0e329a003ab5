import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BuilderHost, Logger, RegistryAccess } from '../contract/builder.js';
import type { RegistryBlobClient } from '../contract/registry-api.js';
import { createRegistryBlobClient } from '../registry/blob-client.js';

/**
 * What one run hands its builders: one `BuilderHost` per builder (its logger namespaced
 * `imagespec:builder:<name>`), sharing temp dirs that `dispose()` removes at the end of
 * the run, whatever happened.
 */
export interface EngineHost {
  readonly logger: Logger;
  /** The config file's folder: builder packages and relative builder options resolve from here. */
  readonly cwd: string;
  forBuilder(name: string): BuilderHost;
  /** Removes every temp dir still left. Idempotent. */
  dispose(): Promise<void>;
}

export interface CreateBuilderHostOptions {
  readonly logger: Logger;
  readonly registries: RegistryAccess;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Where temp dirs go (default: the OS temp dir). */
  readonly tempRoot?: string;
}

export function createBuilderHost(options: CreateBuilderHostOptions): EngineHost {
  const live = new Map<string, Promise<void> | undefined>();
  const removeDir = (path: string): Promise<void> => {
    let removal = live.get(path);
    if (!removal) {
      removal = rm(path, { recursive: true, force: true });
      live.set(path, removal);
    }
    return removal;
  };
  let registry: RegistryBlobClient | undefined;
  return {
    logger: options.logger,
    cwd: options.cwd,
    forBuilder(name) {
      const namespace = `imagespec:builder:${name}`;
      const logger: Logger = {
        debug: (message, ...args) => options.logger.debug(`${namespace} ${message}`, ...args),
        info: (message, ...args) => options.logger.info(`${namespace} ${message}`, ...args),
        warn: (message, ...args) => options.logger.warn(`${namespace} ${message}`, ...args),
      };
      return {
        logger,
        registries: options.registries,
        cwd: options.cwd,
        env: options.env,
        async tempDir(prefix = name) {
          const path = await mkdtemp(
            join(options.tempRoot ?? tmpdir(), `imagespec-${prefix.replace(/[^\w.-]/g, '_')}-`),
          );
          live.set(path, undefined);
          return { path, dispose: () => removeDir(path) };
        },
        get registry() {
          registry ??= createRegistryBlobClient({ access: options.registries });
          return registry;
        },
      };
    },
    async dispose() {
      await Promise.all([...live.keys()].map(removeDir));
    },
  };
}
