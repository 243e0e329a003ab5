/**
 * `@imagespec/core/dockerfile`: the Dockerfile a spec renders to.
 */

export { renderSpecDockerfile } from '../dockerfile-spec/spec-dockerfile.js';
export type { RenderOptions } from './render.js';
export { HASH_LABEL, renderDockerfile } from './render.js';
