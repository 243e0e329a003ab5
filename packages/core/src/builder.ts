/**
 * `@imagespec/core/builder`: everything a builder package needs, and nothing that
 * `@imagespec/core` loads besides (zod, yaml, the spec loader, the registry client, the
 * context tar). A builder is imported into a CLI that already holds all of that in its
 * bundle; through the main entry every build loaded a second copy of core and its
 * dependencies. The builder contract is `contract/`.
 */

export { contentMtimeNs } from './context/content-mtime.js';
export type { ContextEntry, ContextLayout } from './context/layout.js';
export { computeContextLayout, DEFAULT_WORKDIR } from './context/layout.js';
export {
  BLOCK as TAR_BLOCK,
  headerLength as tarHeaderLength,
  padding as tarPadding,
  writeHeader as writeTarHeader,
} from './context/tar-header.js';
export * from './contract/index.js';
export { HASH_LABEL } from './dockerfile/hash-label.js';
export {
  IMAGE_STAGE,
  renderVerifyStage,
  VERIFY_STAGE,
  type VerifyFailure,
  verifyFailedError,
  verifyRunLines,
} from './dockerfile/verify-stage.js';
export type { ErrorCategory, ErrorCode, ImagespecErrorOptions } from './errors.js';
export { ERROR_CODES, errorCategory, ImagespecError, isAbortError, isImagespecError } from './errors.js';
export type { ImageRef } from './image-ref/image-ref.js';
export {
  DEFAULT_REGISTRY,
  familiarImageRef,
  formatImageRef,
  normalizeImageRef,
  parseImageRef,
} from './image-ref/image-ref.js';
