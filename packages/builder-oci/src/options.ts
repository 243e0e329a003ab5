import { en } from 'zod/locales';
import * as z from 'zod/mini';

// zod/mini: every build loads this module, and Node 20 keeps no code cache for ES modules,
// so it compiles whatever zod code comes with it; mini is a fraction of classic zod. Its
// messages come from the English locale, as classic zod's do.
z.config(en());

/** Options of the oci builder, from the config file: `['@imagespec/builder-oci', { ... }]`. */
export const ociBuilderOptionsSchema = z.strictObject({
  /**
   * The local Docker engine that runs verify commands and takes images without a
   * registry (`docker load`): a unix socket path. Default: DOCKER_HOST (unix:// or
   * tcp:// without TLS), else /var/run/docker.sock when it answers. `false`: never use one.
   */
  engine: z.optional(z.union([z.string().check(z.minLength(1)), z.literal(false)])),
  /** Network of verify containers. An engine started without a bridge needs 'host' or 'none'. */
  network: z._default(z.enum(['host', 'none', 'default']), 'default'),
  /**
   * Where an image without a registry goes: 'auto' loads it into the engine when one
   * answers, else writes an OCI layout; 'engine' or 'oci-layout' force one.
   */
  output: z._default(z.enum(['auto', 'engine', 'oci-layout']), 'auto'),
  /** Folder of OCI layouts, one per image (relative to the config file). */
  layoutDir: z._default(z.string().check(z.minLength(1)), '.imagespec/oci'),
  /** Blobs transferred at once. */
  concurrency: z._default(z.int().check(z.minimum(1), z.maximum(32)), 4),
});

export type OciBuilderOptions = z.output<typeof ociBuilderOptionsSchema>;
export type OciBuilderOptionsInput = z.input<typeof ociBuilderOptionsSchema>;
