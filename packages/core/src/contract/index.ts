/**
 * The contract between core, builders and output: the spec's two faces, the builder plugin
 * interface, the events a run reports and the registry calls a builder may make. Types and
 * `defineBuilder` only, importing nothing outside this folder; both entries re-export this list.
 */

export type {
  Availability,
  Builder,
  BuilderDefinition,
  BuilderHost,
  BuildPlan,
  BuildRequest,
  BuildResult,
  ContextOptions,
  ContextSyncEntry,
  DockerfileDialect,
  Logger,
  MaybePromise,
  OptionsSchema,
  RegistryAccess,
  RegistryCredentials,
} from './builder.js';
export { BUILDER_API_VERSION, defineBuilder } from './builder.js';
export type {
  BuildEvent,
  BuildEventSink,
  BuildEventType,
  BuilderEvent,
  ImageEventBase,
  LogEvent,
  StepEvent,
  StepStatus,
} from './events.js';
export type { BlobSource, RegistryBlobClient, RegistryCallOptions, RegistryObject } from './registry-api.js';
export type {
  CopyInput,
  ImageSpecInput,
  MaybeArray,
  PipSecretMountInput,
  RequirementsKind,
  ResolvedCopyEntry,
  ResolvedDockerfile,
  ResolvedImageSpec,
  ResolvedSecretMount,
  SpecOrigin,
} from './spec.js';
