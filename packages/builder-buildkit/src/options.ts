import { isAbsolute, resolve } from 'node:path';
import * as z from 'zod';

/** buildctl's own default; used when neither the `addr` option nor BUILDKIT_HOST is set. */
export const DEFAULT_BUILDKIT_ADDR = 'unix:///run/buildkit/buildkitd.sock';

const path = z.string().min(1);

const tlsSchema = z
  .object({
    /** CA certificate that signed buildkitd's server certificate. */
    ca: path.optional(),
    /** Client certificate and key, for a daemon that asks for mutual TLS. */
    cert: path.optional(),
    key: path.optional(),
    /** Server name to check the certificate against (default: the address's host name). */
    serverName: z.string().min(1).optional(),
    /** A folder holding ca.pem, cert.pem, key.pem (or ca.crt, tls.crt, tls.key), as buildctl's --tlsdir. */
    dir: path.optional(),
  })
  .strict()
  .refine((tls) => !(tls.dir && (tls.ca || tls.cert || tls.key)), {
    message: 'tls.dir cannot be combined with tls.ca, tls.cert or tls.key (buildctl refuses both)',
  })
  .refine((tls) => Boolean(tls.cert) === Boolean(tls.key), {
    message: 'tls.cert and tls.key go together',
  });

const cacheSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('registry'),
      /** Cache image reference; default `<image repository>:buildcache` when the image is pushed. */
      ref: z.string().min(1).optional(),
      mode: z.enum(['min', 'max']).default('max'),
    })
    .strict(),
  z
    .object({
      type: z.literal('inline'),
      /** Images to import cache from (inline cache lives in pushed images, e.g. `repo:latest`). */
      from: z.array(z.string().min(1)).default([]),
    })
    .strict(),
  z
    .object({
      type: z.literal('local'),
      /** Cache folder on the buildctl host (relative paths resolve against the config file's folder). */
      dir: path,
      mode: z.enum(['min', 'max']).default('max'),
    })
    .strict(),
]);

/** What the config file may set for `@imagespec/builder-buildkit`. */
export const buildkitOptionsSchema = z
  .object({
    /** buildkitd address: unix://, tcp://, docker-container://, kube-pod://... Default: BUILDKIT_HOST, then buildctl's default socket. */
    addr: z
      .string()
      .regex(/^[a-z][a-z0-9+.-]*:\/\//, 'expected an address with a scheme, e.g. tcp://buildkitd:1234')
      .optional(),
    tls: tlsSchema.optional(),
    /** Path or name of the buildctl binary. */
    buildctl: z.string().min(1).default('buildctl'),
    cache: cacheSchema.optional(),
    /** Platforms when the spec names none (buildkitd's own platform otherwise). */
    platforms: z.array(z.string().min(1)).default([]),
    /** A frontend image (gateway.v0) instead of buildkitd's built-in Dockerfile frontend. */
    frontendImage: z.string().min(1).optional(),
    /** Extra `--opt key=value` for the frontend, e.g. `{ 'build-arg:HTTP_PROXY': '...' }`. */
    frontendOpts: z
      .record(z.string().min(1), z.string())
      .refine((opts) => !('target' in opts), {
        message: 'target is the builder’s: it builds the image stage, and the verify stage before it',
      })
      .refine((opts) => !('filename' in opts), {
        message: 'filename is the builder’s: it writes the Dockerfile it hands buildctl',
      })
      .default({}),
    /** Write an OCI tarball into this folder when the image is not pushed (else such builds are refused). */
    ociDir: path.optional(),
    /** buildctl's --timeout: seconds to wait for the daemon connection. */
    connectTimeoutSeconds: z.number().int().positive().optional(),
    /** Whole-build time limit in milliseconds (0: none). */
    timeoutMs: z.number().int().nonnegative().default(0),
    /** How long `available()` waits for `buildctl debug workers`. */
    probeTimeoutMs: z.number().int().positive().default(15_000),
    /** After cancellation or timeout, how long buildctl gets to cancel the solve before SIGKILL. */
    cancelGraceMs: z.number().int().nonnegative().default(10_000),
  })
  .strict();

export type BuildkitOptionsInput = z.input<typeof buildkitOptionsSchema>;
export type BuildkitOptions = z.output<typeof buildkitOptionsSchema>;

export type BuildkitCache = z.output<typeof cacheSchema>;

/** Options with the address settled and every path absolute. */
export interface ResolvedBuildkitOptions extends Omit<BuildkitOptions, 'addr'> {
  readonly addr: string;
  /** Where the address came from, for messages. */
  readonly addrSource: 'option' | 'BUILDKIT_HOST' | 'default';
}

/** Pure: settles the daemon address (option, then BUILDKIT_HOST, then buildctl's default) and resolves paths against `cwd`. */
export function resolveBuildkitOptions(
  options: BuildkitOptions,
  context: { readonly env: Readonly<Record<string, string | undefined>>; readonly cwd: string },
): ResolvedBuildkitOptions {
  const fromEnv = context.env.BUILDKIT_HOST?.trim();
  const [addr, addrSource] = options.addr
    ? [options.addr, 'option' as const]
    : fromEnv
      ? [fromEnv, 'BUILDKIT_HOST' as const]
      : [DEFAULT_BUILDKIT_ADDR, 'default' as const];
  const abs = (p: string | undefined) => (p === undefined ? undefined : isAbsolute(p) ? p : resolve(context.cwd, p));
  const tls = options.tls && {
    ...options.tls,
    ...(options.tls.ca && { ca: abs(options.tls.ca) }),
    ...(options.tls.cert && { cert: abs(options.tls.cert) }),
    ...(options.tls.key && { key: abs(options.tls.key) }),
    ...(options.tls.dir && { dir: abs(options.tls.dir) }),
  };
  const cache =
    options.cache?.type === 'local' ? { ...options.cache, dir: abs(options.cache.dir) as string } : options.cache;
  // A bare name is looked up on PATH; anything with a slash is a path relative to the config.
  const buildctl = options.buildctl.includes('/') ? (abs(options.buildctl) as string) : options.buildctl;
  return {
    ...options,
    addr,
    addrSource,
    buildctl,
    ...(tls && { tls }),
    ...(cache && { cache }),
    ...(options.ociDir && { ociDir: abs(options.ociDir) }),
  };
}
