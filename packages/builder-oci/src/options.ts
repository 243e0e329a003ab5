import * as z from 'zod';

/** Options of the oci builder, from the config file: `['@imagespec/builder-oci', { ... }]`. */
export const ociBuilderOptionsSchema = z
  .object({
    /**
     * The local Docker engine that runs verify commands and takes images without a
     * registry (`docker load`): a unix socket path. Default: DOCKER_HOST (unix:// or
     * tcp:// without TLS), else /var/run/docker.sock when it answers. `false`: never use one.
     */
    engine: z.union([z.string().min(1), z.literal(false)]).optional(),
    /** Network of verify containers. An engine started without a bridge needs 'host' or 'none'. */
    network: z.enum(['host', 'none', 'default']).default('default'),
    /**
     * Where an image without a registry goes: 'auto' loads it into the engine when one
     * answers, else writes an OCI layout; 'engine' or 'oci-layout' force one.
     */
    output: z.enum(['auto', 'engine', 'oci-layout']).default('auto'),
    /** Folder of OCI layouts, one per image (relative to the config file). */
    layoutDir: z.string().min(1).default('.imagespec/oci'),
    /** Blobs transferred at once. */
    concurrency: z.number().int().min(1).max(32).default(4),
  })
  .strict();

export type OciBuilderOptions = z.output<typeof ociBuilderOptionsSchema>;
export type OciBuilderOptionsInput = z.input<typeof ociBuilderOptionsSchema>;
