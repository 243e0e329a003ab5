import { en } from 'zod/locales';
import * as z from 'zod/mini';

// zod/mini: every build loads this module, and Node 20 keeps no code cache for ES modules,
// so it compiles whatever zod code comes with it; mini is a fraction of classic zod. Its
// messages come from the English locale, as classic zod's do.
z.config(en());

/** Options of the docker builder, from the config file: `['@imagespec/builder-docker', { ... }]`. */
export const dockerBuilderOptionsSchema = z
  .strictObject({
    /** Unix socket of the engine. Default: DOCKER_HOST, else /var/run/docker.sock. */
    socketPath: z.optional(z.string().check(z.minLength(1))),
    /** A TCP engine: host name or address (with `port` and `protocol`). */
    host: z.optional(z.string().check(z.minLength(1))),
    port: z.optional(z.int().check(z.minimum(1), z.maximum(65535))),
    protocol: z.optional(z.enum(['http', 'https'])),
    /** PEM files for a TLS engine, relative to the config file. Default: DOCKER_CERT_PATH when DOCKER_TLS_VERIFY is set. */
    tls: z.optional(
      z.strictObject({ ca: z.optional(z.string()), cert: z.optional(z.string()), key: z.optional(z.string()) }),
    ),
    /** BuildKit when the engine has it ('auto'), or force it on or off. The Dockerfile dialect follows. */
    buildkit: z._default(z.union([z.literal('auto'), z.boolean()]), 'auto'),
    /** Network of RUN steps and verify commands. An engine started without a bridge needs 'host' or 'none'. */
    network: z._default(z.enum(['host', 'none', 'default']), 'default'),
    buildArgs: z._default(z.record(z.string(), z.string()), {}),
    /** Build stage to stop at. */
    target: z.optional(z.string().check(z.minLength(1))),
    /** Extra labels on the image (the spec's own labels are in the Dockerfile). */
    labels: z._default(z.record(z.string(), z.string()), {}),
    /** Always pull the base image, even when the engine has it. */
    pull: z._default(z.boolean(), false),
    /**
     * How a BuildKit build gets its context: 'auto' serves it through a BuildKit session's file
     * sync (the engine keeps a copy and asks only for what changed, as `docker build` does),
     * falling back to a tar upload when core gives no context entries; 'tar' always uploads
     * the whole context as a tar. The classic builder always takes a tar.
     */
    contextTransport: z._default(z.enum(['auto', 'tar']), 'auto'),
    /** Limit for one build, verify and push together; no limit by default. */
    timeoutMs: z.optional(z.int().check(z.positive())),
    /** A push fails when the engine reports no progress for this long (a registry that accepts and never answers). */
    pushIdleTimeoutMs: z._default(z.int().check(z.positive()), 120_000),
    /** Push attempts after the first, on a registry server error (5xx) or a cut connection; waits double from 1 s. */
    pushRetries: z._default(z.int().check(z.minimum(0), z.maximum(10)), 3),
  })
  .check(
    z.refine((options) => !(options.socketPath && options.host), {
      message: 'set socketPath or host, not both',
      path: ['host'],
    }),
  );

export type DockerBuilderOptionsInput = z.input<typeof dockerBuilderOptionsSchema>;
export type DockerBuilderOptions = z.output<typeof dockerBuilderOptionsSchema>;
