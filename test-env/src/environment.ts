import { type BaseImages, ensureBaseImages } from './base-images.js';
import { ensureDocker } from './docker.js';
import { type PipIndex, startPipIndex } from './pip-index.js';
import { ensureRegistries, type TestRegistry } from './registry.js';

/** What the test environment started or found: plain data, so vitest can hand it to tests. */
export interface TestEnv {
  /** Unix socket of the Docker engine. */
  readonly dockerSocket: string;
  /** Open registry on 127.0.0.1 (plain HTTP). */
  readonly registry: TestRegistry;
  /** Registry behind htpasswd auth (user/password in the object). */
  readonly authRegistry: TestRegistry;
  /** Base images in the open registry (busybox; Debian bookworm with python3 and pip). */
  readonly baseImages: BaseImages;
  /** PEP 503 index on 127.0.0.1 with wheels made here; reach it from builds with network host. */
  readonly pipIndex: PipIndex;
}

/**
 * Brings up everything the end-to-end tests, the quick start and the benches need, reusing
 * what already answers (a laptop's engine is used as is). `stop` ends only what lives in
 * this process (the pip index); dockerd and the registries stay up for the next run.
 */
export async function ensureTestEnvironment(
  log: (line: string) => void,
): Promise<{ env: TestEnv; stop(): Promise<void> }> {
  const dockerSocket = await ensureDocker(log);
  const { open, auth } = await ensureRegistries(log);
  const baseImages = await ensureBaseImages(dockerSocket, open, log);
  const index = await startPipIndex();
  const env: TestEnv = {
    dockerSocket,
    registry: open,
    authRegistry: auth,
    baseImages,
    pipIndex: { url: index.url, packages: index.packages },
  };
  return { env, stop: index.stop };
}
