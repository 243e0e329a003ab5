/**
 * `@imagespec/core`: what a program that builds images needs: `build()`, `tag()`, the fluent
 * `imageSpec()` and spec files, `defineConfig`, the errors and the contract between core and
 * builders. Each room of core has its own entry for the rest (`@imagespec/core/spec`,
 * `/config`, `/hash`, `/context`, `/dockerfile`, `/lock`, `/lint`, `/registry`, `/plugin`,
 * `/engine`, `/errors`, `/image-ref`); builder packages import `@imagespec/core/builder`.
 */

export type { BuildOptions } from './api/build.js';
export { build } from './api/build.js';
export type { ProjectOptions, SpecSource } from './api/project.js';
export type { TaggedImage } from './api/tag.js';
export { tag } from './api/tag.js';
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
} from './config/define.js';
export { defineConfig } from './config/define.js';
export * from './contract/index.js';
export type { ImageResult, ImageStatus, RunSummary } from './engine/run.js';
export type { ErrorCategory, ErrorCode, ImagespecErrorOptions } from './errors.js';
export { ERROR_CODES, errorCategory, ImagespecError, isAbortError, isImagespecError } from './errors.js';
export type { ImageIdentity } from './hash/identity.js';
export type { ImageRef } from './image-ref/image-ref.js';
export {
  DEFAULT_REGISTRY,
  familiarImageRef,
  formatImageRef,
  normalizeImageRef,
  parseImageRef,
} from './image-ref/image-ref.js';
export type { ImageSpec, ImageSpecOptions } from './spec/fluent.js';
export { imageSpec } from './spec/fluent.js';
export type { LoadSpecOptions, ParseSpecOptions, SpecFile, SpecLocation } from './spec/load.js';
export { loadSpecFile, parseSpecText } from './spec/load.js';
