import * as core from '@imagespec/core';
import type { CliIo } from './io.js';
import { createLogger } from './logger.js';
import { homeDir } from './project.js';

export interface ConfiguredBuilders {
  readonly access: core.ResolvedRegistryAccess;
  readonly host: core.EngineHost;
  readonly builders: core.BuilderRegistry;
  /** Disposes the builders, then the host (temp dirs). */
  dispose(): Promise<void>;
}

/** The config's builders with a host on this process (logger, registry credentials, env). */
export function openBuilders(
  io: CliIo,
  config: core.ResolvedConfig,
  options: { readonly debug: boolean; readonly locate?: core.BuilderRegistryOptions['locate'] },
): ConfiguredBuilders {
  const access = core.createRegistryAccess({ ...config, env: io.env, home: homeDir(io) });
  const host = core.createBuilderHost({
    logger: createLogger(io, options.debug),
    registries: access,
    cwd: config.dir,
    env: io.env,
  });
  const builders = core.createBuilderRegistry(config.builders, host, {
    ...(config.file && { configFile: config.file }),
    ...(options.locate && { locate: options.locate }),
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
