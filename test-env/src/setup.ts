import type { TestProject } from 'vitest/node';
import { ensureTestEnvironment } from './environment.js';

/**
 * Vitest global setup: make sure the real engine, registries, base images and pip index are
 * up before any test runs. Returns the teardown, which stops the pip index it started.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const log = (line: string) => console.log(`[test-env] ${line}`);
  const started = Date.now();
  const { env, stop } = await ensureTestEnvironment(log);
  project.provide('imagespecTestEnv', env);
  log(
    `ready in ${((Date.now() - started) / 1000).toFixed(1)} s: engine ${env.dockerSocket}, registries ${env.registry.host} (open) and ${env.authRegistry.host} (htpasswd), pip index ${env.pipIndex.url}`,
  );
  return stop;
}
