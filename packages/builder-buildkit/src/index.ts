import { defineBuilder } from '@imagespec/core/builder';
import { createBuildkitBuilder } from './buildctl-builder.js';
import { type BuildkitOptions, buildkitOptionsSchema } from './options.js';

/**
 * Above builder-docker (50): when a BuildKit daemon is configured and answers, a shared
 * remote builder (with its cache) is the one a team meant to use; when none answers,
 * `available()` says so and selection falls through to the local Docker engine.
 */
export const BUILDKIT_PRIORITY = 60;

export default defineBuilder<BuildkitOptions>({
  apiVersion: 1,
  name: 'buildkit',
  priority: BUILDKIT_PRIORITY,
  description: 'Builds on a BuildKit daemon (local or remote) by driving buildctl.',
  optionsSchema: buildkitOptionsSchema,
  create: (options, host) => createBuildkitBuilder(options, host),
});

export type { BuildkitBuildResult } from './buildctl-builder.js';
export type { BuildkitOptions, BuildkitOptionsInput } from './options.js';
export { buildkitOptionsSchema, DEFAULT_BUILDKIT_ADDR } from './options.js';
