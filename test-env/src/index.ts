import { inject } from 'vitest';
import type { TestEnv } from './environment.js';

export type { BaseImages } from './base-images.js';
export type { TestEnv } from './environment.js';
export type { PipIndex } from './pip-index.js';
export type { TestRegistry } from './registry.js';
export { AUTH_PASSWORD, AUTH_USER } from './registry.js';

declare module 'vitest' {
  export interface ProvidedContext {
    imagespecTestEnv: TestEnv;
  }
}

/**
 * The real engine and registry for this run. Never undefined: the global setup either
 * provides them or fails the run with the reason, so no test silently skips.
 */
export function testEnv(): TestEnv {
  const env = inject('imagespecTestEnv');
  if (!env)
    throw new Error(
      'The imagespec test environment was not set up: run the tests with `npm test` (vitest.config.ts has the global setup).',
    );
  return env;
}
