import { isAbsolute, resolve } from 'node:path';
import { en } from 'zod/locales';
import * as z from 'zod/mini';

// zod/mini, as builder-docker's options: every build that configures this builder loads
// this module, and Node 20 keeps no code cache for ES modules. Messages from the English
// locale, as classic zod's.
z.config(en());

/** buildctl's own default; used when neither the `addr` option nor BUILDKIT_HOST is set. */
export const DEFAULT_BUILDKIT_ADDR = 'unix:///run/buildkit/buildkitd.sock';

const path = () => z.string().check(z.minLength(1));

const tlsSchema = z
  .strictObject({
    /** CA certificate that signed buildkitd's server certificate. */
    ca: z.optional(path()),
    /** Client certificate and key, for a daemon that asks for mutual TLS. */
    cert: z.optional(path()),
    key: z.optional(path()),
    /** Server name to check the certificate against (default: the address's host name). */
    serverName: z.optional(z.string().check(z.minLength(1))),
    /** A folder holding ca.pem, cert.pem, key.pem (or ca.crt, tls.crt, tls.key), as buildctl's --tlsdir. */
    dir: z.optional(path()),
  })
  .check(
    z.refine((tls) => !(tls.dir && (tls.ca || tls.cert || tls.key)), {
      message: 'tls.dir cannot be combined with tls.ca, tls.cert or tls.key (buildctl refuses both)',
    }),
    z.refine((tls) => Boolean(tls.cert) === Boolean(tls.key), {
      message: 'tls.cert and tls.key go together',
    }),
  );

const cacheSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('registry'),
    /** Cache image reference; default `<image repository>:buildcache` when the image is pushed. */
    ref: z.optional(z.string().check(z.minLength(1))),
    mode: z._default(z.enum(['min', 'max']), 'max'),
  }),
  z.strictObject({
    type: z.literal('inline'),
    /** Images to import cache from (inline cache lives in pushed images, e.g. `repo:latest`). */
    from: z._default(z.array(z.string().check(z.minLength(1))), []),
  }),
  z.strictObject({
    type: z.literal('local'),
    /** Cache folder on the buildctl host (relative paths resolve against the config file's folder). */
    dir: path(),
    mode: z._default(z.enum(['min', 'max']), 'max'),
  }),
]);

/** What the config file may set for `@imagespec/builder-buildkit`. */
export const buildkitOptionsSchema = z.strictObject({
  /** buildkitd address: unix://, tcp://, docker-container://, kube-pod://... Default: BUILDKIT_HOST, then buildctl's default socket. */
  addr: z.optional(
    z
      .string()
      .check(z.regex(/^[a-z][a-z0-9+.-]*:\/\//, 'expected an address with a scheme, e.g. tcp://buildkitd:1234')),
  ),
  tls: z.optional(tlsSchema),
  /** Path or name of the buildctl binary. */
  buildctl: z._default(z.string().check(z.minLength(1)), 'buildctl'),
  cache: z.optional(cacheSchema),
  /** Platforms when the spec names none (buildkitd's own platform otherwise). */
  platforms: z._default(z.array(z.string().check(z.minLength(1))), []),
  /** A frontend image (gateway.v0) instead of buildkitd's built-in Dockerfile frontend. */
  frontendImage: z.optional(z.string().check(z.minLength(1))),
  /** Extra `--opt key=value` for the frontend, e.g. `{ 'build-arg:HTTP_PROXY': '...' }`. */
  frontendOpts: z._default(
    z.record(z.string().check(z.minLength(1)), z.string()).check(
      z.refine((opts) => !('target' in opts), {
        message: 'target is the builder’s: it builds the image stage, and the verify stage before it',
      }),
      z.refine((opts) => !('filename' in opts), {
        message: 'filename is the builder’s: it writes the Dockerfile it hands buildctl',
      }),
    ),
    {},
  ),
  /** Write an OCI tarball into this folder when the image is not pushed (else such builds are refused). */
  ociDir: z.optional(path()),
  /** buildctl's --timeout: seconds to wait for the daemon connection. */
  connectTimeoutSeconds: z.optional(z.int().check(z.positive())),
  /** Whole-build time limit in milliseconds (0: none). */
  timeoutMs: z._default(z.int().check(z.nonnegative()), 0),
  /** How long `available()` waits for `buildctl debug workers`. */
  probeTimeoutMs: z._default(z.int().check(z.positive()), 15_000),
  /** After cancellation or timeout, how long buildctl gets to cancel the solve before SIGKILL. */
  cancelGraceMs: z._default(z.int().check(z.nonnegative()), 10_000),
});

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
