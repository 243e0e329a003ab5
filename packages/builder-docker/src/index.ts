import { defineBuilder } from '@imagespec/core/builder';
import { type DockerBuilderOptions, dockerBuilderOptionsSchema } from './options.js';

export type { DockerBuilderOptions, DockerBuilderOptionsInput } from './options.js';
export { dockerBuilderOptionsSchema } from './options.js';

/**
 * Builds on a local or remote Docker engine through its API: BuildKit when the engine has
 * it, the classic builder otherwise. dockerode is loaded only when a builder is created.
 */
export default defineBuilder<DockerBuilderOptions>({
  apiVersion: 1,
  name: 'docker',
  priority: 50,
  description: 'A local or remote Docker engine (BuildKit when the engine has it)',
  optionsSchema: dockerBuilderOptionsSchema,
  async create(options, host) {
    const { DockerBuilder } = await import('./docker-builder.js');
    return new DockerBuilder(options, host);
  },
});
