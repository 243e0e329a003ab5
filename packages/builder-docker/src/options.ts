import * as z from 'zod';

/** Options of the docker builder, from the config file: `['@imagespec/builder-docker', { ... }]`. */
export const dockerBuilderOptionsSchema = z
  .object({
    /** Unix socket of the engine. Default: DOCKER_HOST, else /var/run/docker.sock. */
    socketPath: z.string().min(1).optional(),
    /** A TCP engine: host name or address (with `port` and `protocol`). */
    host: z.string().min(1).optional(),
    port: z.number().int().min(1).max(65535).optional(),
    protocol: z.enum(['http', 'https']).optional(),
    /** PEM files for a TLS engine, relative to the config file. Default: DOCKER_CERT_PATH when DOCKER_TLS_VERIFY is set. */
    tls: z
      .object({ ca: z.string().optional(), cert: z.string().optional(), key: z.string().optional() })
      .strict()
      .optional(),
    /** BuildKit when the engine has it ('auto'), or force it on or off. The Dockerfile dialect follows. */
    buildkit: z.union([z.literal('auto'), z.boolean()]).default('auto'),
    /** Network of RUN steps and verify commands. An engine started without a bridge needs 'host' or 'none'. */
    network: z.enum(['host', 'none', 'default']).default('default'),
    buildArgs: z.record(z.string(), z.string()).default({}),
    /** Build stage to stop at. */
    target: z.string().min(1).optional(),
    /** Extra labels on the image (the spec's own labels are in the Dockerfile). */
    labels: z.record(z.string(), z.string()).default({}),
    /** Always pull the base image, even when the engine has it. */
    pull: z.boolean().default(false),
    /**
     * How a BuildKit build gets its context: 'auto' serves it through a BuildKit session's file
     * sync (the engine keeps a copy and asks only for what changed, as `docker build` does),
     * falling back to a tar upload when core gives no context entries; 'tar' always uploads
     * the whole context as a tar. The classic builder always takes a tar.
     */
    contextTransport: z.enum(['auto', 'tar']).default('auto'),
    /** Limit for one build, verify and push together; no limit by default. */
    timeoutMs: z.number().int().positive().optional(),
    /** A push fails when the engine reports no progress for this long (a registry that accepts and never answers). */
    pushIdleTimeoutMs: z.number().int().positive().default(120_000),
    /** Push attempts after the first, on a registry server error (5xx) or a cut connection; waits double from 1 s. */
    pushRetries: z.number().int().min(0).max(10).default(3),
  })
  .strict()
  .refine((options) => !(options.socketPath && options.host), {
    message: 'set socketPath or host, not both',
    path: ['host'],
  });

export type DockerBuilderOptionsInput = z.input<typeof dockerBuilderOptionsSchema>;
export type DockerBuilderOptions = z.output<typeof dockerBuilderOptionsSchema>;
