import type { TestProject } from 'vitest/node';
import { ensureDocker } from './docker.js';
import type { TestEnv } from './index.js';
import { ensureRegistries } from './registry.js';

/** Vitest global setup: make sure the real engine and registries are up before any test runs. */
export default async function setup(project: TestProject): Promise<void> {
  const log = (line: string) => console.log(`[test-env] ${line}`);
  const started = Date.now();
  const dockerSocket = await ensureDocker(log);
  const { open, auth } = await ensureRegistries(log);
  const env: TestEnv = { dockerSocket, registry: open, authRegistry: auth };
  project.provide('imagespecTestEnv', env);
  log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s: engine ${dockerSocket}, registries ${open.host} (open) and ${auth.host} (htpasswd)`);
}
