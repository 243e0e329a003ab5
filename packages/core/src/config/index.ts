/**
 * `@imagespec/core/config`: finding, loading and checking `imagespec.config.*`.
 */

export type { ImportModule } from '../import-module.js';
export type {
  BuilderEntry,
  BuilderOption,
  ConfigDefaults,
  DeepReadonly,
  ImagespecConfigInput,
  RegistryConfig,
  ResolvedBuilderEntry,
  ResolvedConfig,
  ResolvedConfigDefaults,
} from './define.js';
export { defineConfig } from './define.js';
export type { LoadConfigOptions } from './load.js';
export { CONFIG_FILE_NAMES, loadConfig } from './load.js';
export type { ConfigIssue } from './resolve.js';
export { DEFAULT_BUILDERS, resolveConfig } from './resolve.js';
