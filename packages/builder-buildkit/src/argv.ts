import type { ResolvedSecretMount } from '@imagespec/core/builder';
import { IMAGE_STAGE, parseImageRef, VERIFY_STAGE } from '@imagespec/core/builder';
import type { ResolvedBuildkitOptions } from './options.js';

/**
 * Pure: options + one build -> buildctl's argv. `plan()` returns exactly this, so what
 * --dry-run shows is what runs (only temp paths differ).
 */

export type BuildctlOutput =
  | { readonly type: 'push' }
  /** An OCI image layout tarball at `dest` on the buildctl host. */
  | { readonly type: 'oci'; readonly dest: string };

export interface BuildctlInvocation {
  readonly image: string;
  readonly output: BuildctlOutput;
  readonly platforms: readonly string[];
  readonly secrets: readonly ResolvedSecretMount[];
  /** Folders handed to the daemon with --local, and where buildctl writes the metadata. */
  readonly paths: { readonly context: string; readonly dockerfile: string; readonly metadataFile: string };
  /** The Dockerfile's name in the `dockerfile` folder (`--opt filename=`). */
  readonly filename: string;
  /** Registries to talk to over plain HTTP (`registry.insecure=true`). */
  readonly insecure: (host: string) => boolean;
  /** Whether the local cache folder already holds a cache (buildctl fails importing a missing one). */
  readonly localCacheExists?: boolean;
  /**
   * For a spec with verify commands, which stage of the extended Dockerfile this solve builds:
   * `verify` (the verify stage; nothing exported, caches only imported) or `image` (the image
   * stage, exported as `output`). Absent: the Dockerfile's only stage.
   */
  readonly solve?: 'verify' | 'image';
}

/** Flags every buildctl command takes: address and TLS. */
export function renderGlobalArgs(options: ResolvedBuildkitOptions): string[] {
  const args = ['--addr', options.addr];
  const tls = options.tls;
  if (tls?.serverName) args.push('--tlsservername', tls.serverName);
  if (tls?.ca) args.push('--tlscacert', tls.ca);
  if (tls?.cert) args.push('--tlscert', tls.cert);
  if (tls?.key) args.push('--tlskey', tls.key);
  if (tls?.dir) args.push('--tlsdir', tls.dir);
  if (options.connectTimeoutSeconds !== undefined) args.push('--timeout', String(options.connectTimeoutSeconds));
  return args;
}

/** `available()` asks the daemon for its workers: it proves connection, TLS and a usable worker. */
export function renderProbeArgv(options: ResolvedBuildkitOptions): string[] {
  return [...renderGlobalArgs(options), 'debug', 'workers'];
}

/** The registry cache ref: the configured one, or `<repository>:buildcache` beside a pushed image. */
export function registryCacheRef(options: ResolvedBuildkitOptions, invocation: BuildctlInvocation): string | undefined {
  if (options.cache?.type !== 'registry') return undefined;
  if (options.cache.ref) return options.cache.ref;
  // Without a push target the image name may not name a registry we own: never guess one.
  return invocation.output.type === 'push' ? `${repositoryOf(invocation.image)}:buildcache` : undefined;
}

/** Every image reference the build reads or writes in a registry (credentials and insecure hosts come from these). */
export function registryRefs(options: ResolvedBuildkitOptions, invocation: BuildctlInvocation): string[] {
  const refs: string[] = [];
  if (invocation.output.type === 'push') refs.push(invocation.image);
  const cacheRef = registryCacheRef(options, invocation);
  if (cacheRef) refs.push(cacheRef);
  if (options.cache?.type === 'inline') refs.push(...options.cache.from);
  return refs;
}

export function renderBuildArgv(options: ResolvedBuildkitOptions, invocation: BuildctlInvocation): string[] {
  const args = [...renderGlobalArgs(options), 'build'];
  if (options.frontendImage) args.push('--frontend', 'gateway.v0', '--opt', `source=${options.frontendImage}`);
  else args.push('--frontend', 'dockerfile.v0');
  const platforms = invocation.platforms.length > 0 ? invocation.platforms : options.platforms;
  if (platforms.length > 0) args.push('--opt', `platform=${platforms.join(',')}`);
  for (const [key, value] of Object.entries(options.frontendOpts)) args.push('--opt', `${key}=${value}`);
  // After frontendOpts: the Dockerfile and the stage are the builder's to choose, never a user's.
  args.push('--opt', `filename=${invocation.filename}`);
  if (invocation.solve) args.push('--opt', `target=${invocation.solve === 'verify' ? VERIFY_STAGE : IMAGE_STAGE}`);
  args.push('--local', `context=${invocation.paths.context}`, '--local', `dockerfile=${invocation.paths.dockerfile}`);
  for (const secret of invocation.secrets) args.push('--secret', renderSecret(secret));
  if (invocation.solve === 'verify') {
    // The verify solve exports nothing: no image, and no cache that would hold only its stage.
    args.push(...renderCache(options, invocation).filter(isImport));
    args.push('--progress', 'rawjson');
    return args;
  }
  args.push('--output', renderOutput(invocation));
  args.push(...renderCache(options, invocation));
  args.push('--progress', 'rawjson', '--metadata-file', invocation.paths.metadataFile);
  return args;
}

/** Keeps `--import-cache X` pairs of a cache argv. */
function isImport(_arg: string, index: number, args: readonly string[]): boolean {
  return args[index] === '--import-cache' || args[index - 1] === '--import-cache';
}

function renderSecret(secret: ResolvedSecretMount): string {
  // Only where the secret is, never its value: buildctl reads the file or variable itself.
  const source = secret.src !== undefined ? `src=${secret.src}` : `env=${secret.env ?? secret.id}`;
  return csv([`id=${secret.id}`, source]);
}

function renderOutput(invocation: BuildctlInvocation): string {
  if (invocation.output.type === 'oci') {
    return csv(['type=oci', `dest=${invocation.output.dest}`, `name=${invocation.image}`]);
  }
  const fields = ['type=image', `name=${invocation.image}`, 'push=true'];
  if (invocation.insecure(registryHost(invocation.image))) fields.push('registry.insecure=true');
  return csv(fields);
}

function renderCache(options: ResolvedBuildkitOptions, invocation: BuildctlInvocation): string[] {
  const cache = options.cache;
  if (!cache) return [];
  const insecure = (ref: string) => (invocation.insecure(registryHost(ref)) ? ['registry.insecure=true'] : []);
  switch (cache.type) {
    case 'registry': {
      const ref = registryCacheRef(options, invocation);
      if (!ref) return [];
      return [
        '--export-cache',
        csv([
          'type=registry',
          `ref=${ref}`,
          `mode=${cache.mode}`,
          'image-manifest=true',
          'oci-mediatypes=true',
          ...insecure(ref),
        ]),
        '--import-cache',
        csv(['type=registry', `ref=${ref}`, ...insecure(ref)]),
      ];
    }
    case 'inline':
      return [
        '--export-cache',
        'type=inline',
        ...cache.from.flatMap((ref) => ['--import-cache', csv(['type=registry', `ref=${ref}`, ...insecure(ref)])]),
      ];
    case 'local':
      return [
        '--export-cache',
        csv(['type=local', `dest=${cache.dir}`, `mode=${cache.mode}`]),
        ...(invocation.localCacheExists ? ['--import-cache', csv(['type=local', `src=${cache.dir}`])] : []),
      ];
  }
}

/** buildctl splits --output, --secret and cache flags with a CSV reader: quote fields that hold a comma or quote. */
function csv(fields: readonly string[]): string {
  return fields.map((field) => (/[",\n]/.test(field) ? `"${field.replaceAll('"', '""')}"` : field)).join(',');
}

/** Registry host of a reference (`busybox` -> `docker.io`), for credentials and registry.insecure. */
export function registryHost(reference: string): string {
  return parseImageRef(reference).registry;
}

/** `host/repo:tag@digest` -> `host/repo`, for the default cache ref. */
function repositoryOf(reference: string): string {
  const ref = parseImageRef(reference);
  return `${ref.registry}/${ref.repository}`;
}
