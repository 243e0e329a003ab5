/** `@imagespec/core/image-ref`: image references (`ubuntu` -> `docker.io/library/ubuntu:latest`). */

export type { ImageRef } from './image-ref.js';
export { DEFAULT_REGISTRY, familiarImageRef, formatImageRef, normalizeImageRef, parseImageRef } from './image-ref.js';
