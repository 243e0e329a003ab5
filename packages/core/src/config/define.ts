import type { BuilderDefinition } from '../contract/builder.js';

/** Deeply readonly: plugins and commands read the resolved config, never change it (vite #17947). */
export type DeepReadonly<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends readonly (infer U)[]
    ? readonly DeepReadonly<U>[]
    : T extends object
      ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
      : T;

// biome-ignore lint/suspicious/noExplicitAny: a config lists builders with different option types
type AnyBuilderDefinition = BuilderDefinition<any>;

/**
 * One builder as a config names it: a package name or path (resolved from the config's
 * folder), or a definition object, each optionally with its options.
 */
export type BuilderEntry =
  | string
  | AnyBuilderDefinition
  | readonly [target: string | AnyBuilderDefinition, options: Readonly<Record<string, unknown>>];

/** What users naturally write (vite's PluginOption): falsy values and nested lists are fine, so `ci && '...'` works. */
export type BuilderOption = BuilderEntry | false | null | undefined | readonly BuilderOption[];

/** Per-registry settings, keyed by host (`localhost:5000`, `ghcr.io`). */
export interface RegistryConfig {
  /** Speak plain HTTP (and accept any certificate). Loopback hosts are insecure anyway. */
  insecure?: boolean;
  /** Path of a PEM CA bundle for this registry (relative to the config file). */
  ca?: string;
  /** Credential helper to use for this host (`ecr-login` runs `docker-credential-ecr-login`). */
  credHelper?: string;
}

export interface ConfigDefaults {
  /** Registry for specs that name none (Union's defaultRepository). */
  registry?: string;
  platform?: string | readonly string[];
  /** Builder for specs that name none (otherwise: by priority). */
  builder?: string;
  /** How many images build at once (default 2). */
  concurrency?: number;
}

/** The config file as written (`imagespec.config.{ts,mts,js,mjs,json,yaml,yml}`). */
export interface ImagespecConfigInput {
  builders?: readonly BuilderOption[];
  defaults?: ConfigDefaults;
  registries?: Record<string, RegistryConfig>;
  /** Pull-reference rewrites for base images, prefix to prefix (`docker.io/` -> `registry.internal/dockerhub/`). */
  mirrors?: Record<string, string>;
}

/**
 * One builder after flattening: always a `[target, options]` pair. It is itself a
 * `BuilderEntry`, so flattening a resolved list again changes nothing.
 */
export type ResolvedBuilderEntry = readonly [
  target: string | AnyBuilderDefinition,
  options: Readonly<Record<string, unknown>>,
];

export interface ResolvedConfigDefaults {
  readonly registry?: string;
  /** Sorted, de-duplicated. */
  readonly platform?: readonly string[];
  readonly builder?: string;
  readonly concurrency?: number;
}

export interface ResolvedConfig {
  /** Absolute path of the config file; undefined when none was found (defaults apply). */
  readonly file?: string;
  /** The config file's folder (or the working directory): builder packages and paths resolve from here. */
  readonly dir: string;
  readonly builders: readonly ResolvedBuilderEntry[];
  readonly defaults: ResolvedConfigDefaults;
  readonly registries: DeepReadonly<Record<string, RegistryConfig>>;
  readonly mirrors: Readonly<Record<string, string>>;
}

/** Identity helper for type inference in `imagespec.config.ts`. */
export function defineConfig(config: ImagespecConfigInput): ImagespecConfigInput;
export function defineConfig(
  config: () => ImagespecConfigInput | Promise<ImagespecConfigInput>,
): () => ImagespecConfigInput | Promise<ImagespecConfigInput>;
export function defineConfig<T>(config: T): T {
  return config;
}
