import type { ResolvedConfig } from '@imagespec/core/config';
import { createBuilderHost, type EngineHost } from '@imagespec/core/engine';
import { type BuilderSelection, type BuilderSelectionOptions, createBuilderSelection } from '@imagespec/core/plugin';
import { createRegistryAccess, type ResolvedRegistryAccess } from '@imagespec/core/registry';
import type { CliIo } from './io.js';
import { createLogger } from './logger.js';
import { homeDir } from './project.js';

export interface ConfiguredBuilders {
  readonly access: ResolvedRegistryAccess;
  readonly host: EngineHost;
  readonly builders: BuilderSelection;
  /** Disposes the builders, then the host (temp dirs). */
  dispose(): Promise<void>;
}

/** The config's builders with a host on this process (logger, registry credentials, env). */
export function openBuilders(
  io: CliIo,
  config: ResolvedConfig,
  options: { readonly debug: boolean; readonly locate?: BuilderSelectionOptions['locate'] },
): ConfiguredBuilders {
  const access = createRegistryAccess({ ...config, env: io.env, home: homeDir(io) });
  const host = createBuilderHost({
    logger: createLogger(io, options.debug),
    registries: access,
    cwd: config.dir,
    env: io.env,
  });
  const builders = createBuilderSelection(config.builders, host, {
    ...(config.file && { configFile: config.file }),
    ...(options.locate && { locate: options.locate }),
    ...(io.importModule && { importModule: io.importModule }),
  });
  return {
    access,
    host,
    builders,
    async dispose() {
      await builders.dispose();
      await host.dispose();
    },
  };
}
