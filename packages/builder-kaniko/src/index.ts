import { defineBuilder } from '@imagespec/core/builder';
import { createKanikoBuilder } from './kaniko-builder.js';
import { type KanikoOptions, kanikoOptionsSchema } from './options.js';

export type { KanikoLogFormat, KanikoLogLine } from './kaniko-log.js';
export { parseKanikoLogLine } from './kaniko-log.js';
export type { PodManifest } from './manifest.js';
export type { KanikoOptions, KanikoOptionsInput } from './options.js';
export { DEFAULT_EXECUTOR_IMAGE, kanikoOptionsSchema } from './options.js';

export default defineBuilder<KanikoOptions>({
  apiVersion: 1,
  name: 'kaniko',
  // Below docker (50): a cluster round trip is slower than a local engine when both work.
  priority: 40,
  description: 'Builds in a Kaniko executor pod on Kubernetes',
  optionsSchema: kanikoOptionsSchema,
  create: (options, host) => createKanikoBuilder(options, host),
});
