import type { TestProject } from 'vitest/node';
import { ensureTestEnvironment, type TestEnv } from './environment.js';

interface Shared {
  ready: Promise<{ env: TestEnv; stop(): Promise<void> }>;
  users: number;
}

// Every package's e2e project names this file, and vitest runs each project's global setup
// on its own module instance; one environment per vitest process (one dockerd start, one pip
// index) is shared through the process's global object and stopped when its last user ends.
const key = Symbol.for('imagespec.test-env');
const holder = globalThis as typeof globalThis & { [key]?: Shared };

/**
 * Vitest global setup of the e2e projects: make sure the real engine, registries, base images
 * and pip index are up before any e2e test runs. Unit projects have none, so
 * `vitest --project '*:unit'` needs no Docker.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const log = (line: string) => console.log(`[test-env] ${line}`);
  let shared = holder[key];
  if (!shared) {
    const started = Date.now();
    const ready = ensureTestEnvironment(log).then((value) => {
      const { env } = value;
      log(
        `ready in ${((Date.now() - started) / 1000).toFixed(1)} s: engine ${env.dockerSocket}, registries ${env.registry.host} (open) and ${env.authRegistry.host} (htpasswd), pip index ${env.pipIndex.url}`,
      );
      return value;
    });
    shared = { ready, users: 0 };
    holder[key] = shared;
  }
  shared.users += 1;
  const { env, stop } = await shared.ready;
  project.provide('imagespecTestEnv', env);
  return async () => {
    const current = holder[key];
    if (!current) return;
    current.users -= 1;
    if (current.users > 0) return;
    delete holder[key];
    await stop();
  };
}
