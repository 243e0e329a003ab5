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
export type { LoadConfigOptions } from './config/load.js';
export { CONFIG_FILE_NAMES, loadConfig } from './config/load.js';
export type { ConfigIssue } from './config/resolve.js';
export { DEFAULT_BUILDERS, resolveConfig } from './config/resolve.js';
export { BUILTIN_IGNORE_PATTERNS } from './context/builtin-ignore.js';
export type { DigestOptions, FileDigest, TreeDigest } from './context/digest.js';
export { digestRecords, digestTree, sha256File } from './context/digest.js';
export { contextSyncEntries } from './context/entries.js';
export type { ExcludedGroup } from './context/exclusions.js';
export type { Gitignore, GitignorePattern } from './context/gitignore.js';
export { matchGitignore, parseGitignore } from './context/gitignore.js';
export type { DockerignorePattern, IgnoreMatcher } from './context/ignore.js';
export { createIgnoreMatcher, parseIgnoreMatcher } from './context/ignore.js';
export type { ContextEntry, ContextLayout } from './context/layout.js';
export { CONTEXT_PREFIX, computeContextLayout, DEFAULT_WORKDIR, DOCKERFILE_PATH } from './context/layout.js';
export type { StatCacheOptions, TreeRun } from './context/stat-cache.js';
export { RACY_NS, STAT_CACHE_FORMAT, StatCache, statCacheFile, statCacheFor } from './context/stat-cache.js';
export type { ContextStreamOptions } from './context/tar.js';
export { createContextStream } from './context/tar.js';
export type { ExpectedContext } from './context/tar-verify.js';
export type { ContextFile, ExcludedEntry, WalkOptions } from './context/walk.js';
export { walkFiles } from './context/walk.js';
export * from './contract/index.js';
export type { RenderOptions } from './dockerfile/render.js';
export { HASH_LABEL, renderDockerfile } from './dockerfile/render.js';
export type { CreateBuilderHostOptions, EngineHost } from './engine/host.js';
export { createBuilderHost } from './engine/host.js';
export type { PlannedImage, PlanOptions, ResolveBase } from './engine/plan.js';
export { planBuilds } from './engine/plan.js';
export type { ImageResult, ImageStatus, PlannedBuild, RunBuildsOptions, RunSummary } from './engine/run.js';
export { DEFAULT_CONCURRENCY, runBuilds } from './engine/run.js';
export type { ErrorCategory, ErrorCode, ImagespecErrorOptions } from './errors.js';
export { ERROR_CODES, errorCategory, ImagespecError, isAbortError, isImagespecError } from './errors.js';
export { canonicalJson } from './hash/canonical-json.js';
export { renderExplain } from './hash/explain.js';
export { HASH_LENGTH, hashOf, imageName, renderTag } from './hash/hash.js';
export type { HashedTree, HashFacts, HashInput } from './hash/hash-input.js';
export { computeHashInput, HASH_INPUT_VERSION } from './hash/hash-input.js';
export type { HashedFileTree, IdentityFiles, IdentityOptions, ImageIdentity } from './hash/identity.js';
export { computeImageIdentity } from './hash/identity.js';
export type { ImageRef } from './image-ref/image-ref.js';
export {
  DEFAULT_REGISTRY,
  familiarImageRef,
  formatImageRef,
  normalizeImageRef,
  parseImageRef,
} from './image-ref/image-ref.js';
export type { LintWarning, Locate } from './lint/lint.js';
export { lintSpecs } from './lint/lint.js';
export type { LintFinding, LintInput, LintRule } from './lint/rules.js';
export { lintSpec, requirementName } from './lint/rules.js';
export type { BaseResolver } from './lock/base-resolver.js';
export { createBaseResolver, createLockResolver } from './lock/base-resolver.js';
export type { DigestSource, LockProblem } from './lock/lock.js';
export { checkLock, collectBaseReferences, computeLock } from './lock/lock.js';
export type { LockFile } from './lock/lock-file.js';
export {
  EMPTY_LOCK,
  LOCK_FILE_NAME,
  lockFilePath,
  parseLockFile,
  readLockFile,
  serializeLockFile,
  writeLockFile,
} from './lock/lock-file.js';
export type { LoadBuilderOptions, LoadedBuilderModule } from './plugin/load.js';
export { loadBuilderModule } from './plugin/load.js';
export type { BuilderInfo, BuilderRegistry, BuilderRegistryOptions, SelectedBuilder } from './plugin/selection.js';
export { createBuilderRegistry } from './plugin/selection.js';
export { validateBuilderDefinition } from './plugin/validate.js';
export type { RegistryAccessOptions, RegistrySettings, ResolvedRegistryAccess } from './registry/access.js';
export { CRED_HELPER_ALIASES, createRegistryAccess, isLoopbackHost } from './registry/access.js';
export type { RegistryBlobClientOptions } from './registry/blob-client.js';
export { createRegistryBlobClient } from './registry/blob-client.js';
export type {
  ManifestCheck,
  PullRequestOptions,
  RegistryClient,
  RegistryClientOptions,
  RegistryManifest,
  RegistryRequestOptions,
} from './registry/client.js';
export { createRegistryClient, MANIFEST_MEDIA_TYPES } from './registry/client.js';
export type { Exec, ExecResult } from './registry/credential-helper.js';
export type { CredentialStore, CredentialStoreOptions } from './registry/credentials.js';
export { createCredentialStore } from './registry/credentials.js';
export type { DockerAuthEntry, DockerConfig } from './registry/docker-config.js';
export {
  dockerConfigPath,
  normalizeRegistryHost,
  parseDockerConfig,
  readDockerConfig,
} from './registry/docker-config.js';
export type { SpecDefaults } from './spec/apply-defaults.js';
export { applyConfigDefaults } from './spec/apply-defaults.js';
export type { ImageSpec, ImageSpecOptions } from './spec/fluent.js';
export { imageSpec } from './spec/fluent.js';
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
} from './spec/grammar.js';
export type { IssuePath } from './spec/issues.js';
export { imageSpecJsonSchema, SPEC_SCHEMA_ID } from './spec/json-schema.js';
export type { LoadSpecOptions, ParseSpecOptions, SpecFile, SpecLocation } from './spec/load.js';
export { loadSpecFile, parseSpecText } from './spec/load.js';
export type { SpecIssue } from './spec/normalize.js';
export { DEFAULT_PYTHON_VERSION, defaultBaseImage, normalizeSpec } from './spec/normalize.js';
export type { SpecOverride } from './spec/overrides.js';
export { parseSetFlag } from './spec/overrides.js';
export { redactUrlCredentials } from './spec/redact.js';
export { imageSpecSchema } from './spec/schema.js';
