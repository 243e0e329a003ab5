/**
 * `@imagespec/core/spec`: spec files and values: load, validate, normalize, override, the fluent
 * API and the JSON Schema.
 */

export type { SpecDefaults } from './apply-defaults.js';
export { applyConfigDefaults } from './apply-defaults.js';
export type { ImageSpec, ImageSpecOptions } from './fluent.js';
export { imageSpec } from './fluent.js';
export {
  requirementsKindOf,
  validateAptPackage,
  validateCondaChannel,
  validateCondaPackage,
  validateEnvName,
  validateImageName,
  validateLabelKey,
  validatePipRequirement,
  validatePlatform,
  validateRegistry,
  validateTag,
} from './grammar.js';
export type { IssuePath } from './issues.js';
export type { LoadSpecOptions, ParseSpecOptions, SpecFile, SpecLocation } from './load.js';
export { loadSpecFile, parseSpecText } from './load.js';
export type { SpecIssue } from './normalize.js';
export { DEFAULT_PYTHON_VERSION, defaultBaseImage, normalizeSpec } from './normalize.js';
export type { SpecOverride } from './overrides.js';
export { parseSetFlag } from './overrides.js';
export { redactUrlCredentials } from './redact.js';
export { imageSpecSchema } from './schema.js';
