/**
 * `@imagespec/core/registry`: the registry clients and the access (credentials, insecure,
 * mirrors, CA) they use.
 */

export type { RegistryAccessOptions, RegistrySettings, ResolvedRegistryAccess } from './access.js';
export { CRED_HELPER_ALIASES, createRegistryAccess, isLoopbackHost } from './access.js';
export type { RegistryBlobClientOptions } from './blob-client.js';
export { createRegistryBlobClient } from './blob-client.js';
export type {
  ManifestCheck,
  PullRequestOptions,
  RegistryClient,
  RegistryClientOptions,
  RegistryManifest,
  RegistryRequestOptions,
} from './client.js';
export { createRegistryClient, MANIFEST_MEDIA_TYPES } from './client.js';
export type { Exec, ExecResult } from './credential-helper.js';
export type { CredentialStore, CredentialStoreOptions } from './credentials.js';
export { createCredentialStore } from './credentials.js';
export type { DockerAuthEntry, DockerConfig } from './docker-config.js';
export {
  dockerConfigPath,
  normalizeRegistryHost,
  parseDockerConfig,
  readDockerConfig,
} from './docker-config.js';
