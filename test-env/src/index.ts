import { inject } from 'vitest';
import type { TestRegistry } from './registry.js';

export type { TestRegistry } from './registry.js';
export { AUTH_PASSWORD, AUTH_USER } from './registry.js';

/** What the global setup started or found; tests read it with `testEnv()`. */
export interface TestEnv {
  /** Unix socket of the Docker engine. */
  readonly dockerSocket: string;
  /** Open registry on 127.0.0.1 (plain HTTP). */
  readonly registry: TestRegistry;
  /** Registry behind htpasswd auth (user/password in the object). */
  readonly authRegistry: TestRegistry;
}

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
  if (!env) throw new Error('The imagespec test environment was not set up: run the tests with `npm test` (vitest.config.ts has the global setup).');
  return env;
}
