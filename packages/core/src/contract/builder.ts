/**
 * The builder plugin contract. A builder package default-exports `defineBuilder({...})`;
 * core loads it, validates its shape (never with instanceof: a plugin may bring its own
 * copy of core) and picks one per image by explicit name or by priority.
 *
 * Minimal builder:
 *
 *     import { defineBuilder } from '@imagespec/core/builder';
 *     import * as z from 'zod';
 *
 *     export default defineBuilder({
 *       apiVersion: 1,
 *       name: 'echo',
 *       priority: 10,
 *       optionsSchema: z.object({ prefix: z.string().default('') }),
 *       create(options, host) {
 *         return {
 *           available: () => ({ ok: true }),
 *           supports: () => ({ ok: true }),
 *           async build(request) {
 *             request.events.emit({ type: 'log', stream: 'stdout', line: options.prefix + request.image });
 *             return { image: request.image, pushed: false };
 *           },
 *         };
 *       },
 *     });
 */
import type { BuildEventSink } from './events.js';
import type { RegistryBlobClient } from './registry-api.js';
import type { ResolvedImageSpec, ResolvedSecretMount } from './spec.js';

export type MaybePromise<T> = T | Promise<T>;

export const BUILDER_API_VERSION = 1;

/** ok, or not ok with a reason a user can act on ("no Docker engine at /var/run/docker.sock: ..."). */
export type Availability = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export type DockerfileDialect = 'buildkit' | 'plain';

/**
 * Any schema with zod's `safeParse` shape (zod 4 satisfies it). Kept structural so a
 * builder bundling its own zod still fits.
 */
export interface OptionsSchema<T> {
  safeParse(
    input: unknown,
  ):
    | { success: true; data: T }
    | { success: false; error: { issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> } };
}

/** A minimal namespaced logger (`imagespec:builder:<name>` at debug). */
export interface Logger {
  debug(message: string, ...args: unknown[]): void;
  info(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
}

/** Credentials for one registry host, as the Docker config or a credential helper gives them. */
export type RegistryCredentials =
  | { readonly username: string; readonly password: string }
  | { readonly identityToken: string };

/** What a builder may ask about registries: credentials, and whether to speak plain HTTP. */
export interface RegistryAccess {
  /** Credentials for a registry host (`localhost:5000`, `ghcr.io`, `docker.io`), or undefined for anonymous. */
  credentials(host: string): Promise<RegistryCredentials | undefined>;
  /** True for registries marked insecure in the config, and for loopback hosts. */
  insecure(host: string): boolean;
  /** Rewrites a pull reference through the configured mirrors (identity when none applies). */
  mirror(reference: string): string;
}

/** What core hands a builder at creation: never the engine itself. */
export interface BuilderHost {
  readonly logger: Logger;
  readonly registries: RegistryAccess;
  /** Folder of the config file (relative builder options resolve against it). */
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** A fresh temporary directory, removed when `dispose` is awaited (and at the end of the run). */
  tempDir(prefix?: string): Promise<{ readonly path: string; dispose(): Promise<void> }>;
  /**
   * Core's registry client for builders that write images themselves (blobs, manifests),
   * with the run's auth, insecure and CA settings. Optional: an older core has none.
   */
  readonly registry?: RegistryBlobClient;
}

export interface ContextOptions {
  readonly dialect: DockerfileDialect;
  /** gzip the tar stream (Kaniko requires it on stdin). */
  readonly gzip?: boolean;
  /**
   * The Dockerfile to put in the tar (at `BuildRequest.dockerfilePath`) instead of the
   * rendered one: a builder that extends it (the verify stage) and whose executor reads it
   * from the context. Optional: an older core ignores it, and the build then fails naming
   * the missing stage. `false`: no Dockerfile at all, the context alone, exactly as `docker
   * build` sends it (for a builder that passes the Dockerfile apart; a core older than
   * Dockerfile specs treats it as absent).
   */
  readonly dockerfile?: string | false;
}

/**
 * One build: the spec, where it goes, and lazily produced Dockerfile and context.
 *
 * For a spec that brings its own Dockerfile (`spec.dockerfile` set):
 * - `dockerfile(dialect)` is the user's Dockerfile, the same in both dialects, as read when
 *   the tag was computed: the images it pulls pinned to the lock's digests (then through
 *   the configured registry mirrors), the spec's buildArgs written as the defaults of the
 *   ARGs that declare them, an unnamed target stage named `imagespec-target`, and one stage
 *   appended, `FROM <target> AS imagespec-image`, with the hash label and the spec's labels.
 *   Build it whole: no `--target`, no `--build-arg` (the last stage is the image).
 *   `renderVerifyStage` appends the verify stage after it as for any spec. Its lines keep
 *   the user's line numbers.
 * - `contextEntries()` lists the Dockerfile's context exactly as `docker build` sends it
 *   (its `.dockerignore`, or `<Dockerfile>.dockerignore` when that exists, applied), checked
 *   against what was hashed (CONTEXT_CHANGED); the Dockerfile is not among them: pass it
 *   apart (a BuildKit session's `dockerfile` directory, `buildctl --local dockerfile=`).
 * - `context({ dialect })` is that context as a tar with the Dockerfile added at
 *   `dockerfilePath` (`.imagespec.Dockerfile`, never replacing a user's `Dockerfile`) and a
 *   root `.dockerignore` that lists it: the context's own with the line appended (as
 *   `docker build -f` does), or `.dockerignore` plus that path when the context sends none.
 *   Executors that apply the context's `.dockerignore` (the engine's classic builder, which
 *   then drops both, Kaniko) keep it out of the image. BuildKit applies no `.dockerignore`
 *   to a tar context, so a `COPY . .` would ship it: for BuildKit pass the Dockerfile apart
 *   and the context as `contextEntries()` or `context({ dialect, dockerfile: false })`.
 */
export interface BuildRequest {
  readonly spec: ResolvedImageSpec;
  /** Full image reference with the content tag, e.g. `localhost:5000/app:3kq...`. */
  readonly image: string;
  readonly hash: string;
  /** The base image reference FROM uses (base specs, lock digests and mirrors applied). */
  readonly baseImage: string;
  /**
   * Every image the build pulls, for the credentials and insecure-registry settings a builder
   * hands its executor: `[baseImage]` for a spec imagespec renders; for a spec that brings its
   * own Dockerfile, each image its FROM, `COPY --from` and `RUN --mount from` lines name (the
   * stages the target needs; normalized, pinned and mirrored as the Dockerfile sent has them). Optional:
   * a core older than Dockerfile specs leaves it out; read it as `[baseImage]`.
   */
  readonly pulls?: readonly string[];
  /** Push after building. False when the spec has no registry or with --no-push. */
  readonly push: boolean;
  /** Target platforms; empty means the builder's default. */
  readonly platforms: readonly string[];
  readonly secrets: readonly ResolvedSecretMount[];
  /** The rendered Dockerfile in a dialect. */
  dockerfile(dialect: DockerfileDialect): string;
  /**
   * Where `context()` puts the Dockerfile in its tar (the path to give the executor):
   * `Dockerfile` for a spec imagespec renders, `.imagespec.Dockerfile` for a spec that
   * brings its own. Optional: a core older than Dockerfile specs leaves it out; read it as
   * `Dockerfile`.
   */
  readonly dockerfilePath?: string;
  /** A deterministic tar of the build context (Dockerfile at `dockerfilePath`). Each call is a new stream. */
  context(options: ContextOptions): NodeJS.ReadableStream;
  /**
   * The same context as entries, without the Dockerfile, for transports that send only what
   * the receiver lacks (BuildKit's file sync). Optional: a core older than this contract
   * leaves it out, and builders fall back to `context`.
   */
  contextEntries?(): AsyncIterable<ContextSyncEntry>;
  readonly events: BuildEventSink;
  readonly signal: AbortSignal;
}

/** One entry of the build context, as `BuildRequest.contextEntries` lists them. */
export interface ContextSyncEntry {
  /** POSIX path in the context, no leading slash; in the tar's order (parents before children, byte-sorted). */
  readonly path: string;
  readonly kind: 'dir' | 'file' | 'symlink';
  /** Permission bits as the tar has them: 0o755 for directories and executables, 0o644 other files, 0o777 symlinks. */
  readonly mode: number;
  /** Bytes, for files; 0 otherwise. */
  readonly size: number;
  /**
   * Nanoseconds since the epoch, below one second: taken from the content digest for files,
   * 0 for the rest. A receiver that compares stats (size, mtime) to decide what to ask for,
   * as BuildKit's file sync does, then asks again for every file whose content changed.
   */
  readonly mtimeNs: number;
  readonly linkTarget?: string;
  /**
   * For files: the sha256 (hex) of the content the tag was computed from, which `read()` and
   * `readSync()` check the bytes against. A writer that keeps what it made from a file can
   * key it by this digest and skip the read next time (builder-oci's member cache).
   */
  readonly sha256?: string;
  /** The file's bytes, checked as they stream against the digest the tag was computed from (CONTEXT_CHANGED otherwise). */
  read?(): AsyncIterable<Uint8Array>;
  /**
   * A small file's bytes (up to 256 KiB) in one blocking read, checked as `read()` checks
   * them; absent for larger files and from cores older than this field. For writers of
   * many small files, to whom an async iteration per file costs more than its bytes.
   */
  readSync?(): Uint8Array;
}

export interface BuildResult {
  /** The reference that was built (and pushed, if `pushed`). */
  readonly image: string;
  readonly digest?: string;
  readonly pushed: boolean;
}

/** A description of what `build` would run, for --dry-run: argv, pod manifest, API call. */
export type BuildPlan = Readonly<Record<string, unknown>>;

export interface Builder {
  available(): MaybePromise<Availability>;
  supports(spec: ResolvedImageSpec): Availability;
  build(request: BuildRequest): Promise<BuildResult>;
  plan?(request: BuildRequest): MaybePromise<BuildPlan>;
  /**
   * Whether an image with no registry already exists where this builder keeps it (the
   * local engine). The engine asks only for specs without a registry; without this
   * method such images are always built.
   */
  exists?(image: string, options?: { signal?: AbortSignal }): Promise<boolean>;
  /** Release clients, sockets, temp files. Called once at the end of a run. */
  dispose?(): MaybePromise<void>;
}

export interface BuilderDefinition<Options = Record<string, never>> {
  readonly apiVersion: typeof BUILDER_API_VERSION;
  /** What `spec.builder` and `--builder` name. Shown in errors. */
  readonly name: string;
  /** Higher wins when the spec names no builder. noop is 0, docker 50. */
  readonly priority: number;
  readonly description?: string;
  /** Validates the options given in the config file. */
  readonly optionsSchema?: OptionsSchema<Options>;
  create(options: Options, host: BuilderHost): MaybePromise<Builder>;
}

/** Identity helper for type inference: `export default defineBuilder({...})`. */
export function defineBuilder<Options = Record<string, never>>(
  definition: BuilderDefinition<Options>,
): BuilderDefinition<Options> {
  return definition;
}
