import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureAptPackages } from './apt.js';
import { stateDir } from './state.js';
import { httpStatus, waitFor } from './wait.js';

export interface TestRegistry {
  /** host:port as used in image references, e.g. `127.0.0.1:5000`. */
  readonly host: string;
  readonly url: string;
  /** Set for the registry that requires basic/bearer auth. */
  readonly username?: string;
  readonly password?: string;
}

export const OPEN_REGISTRY_PORT = Number(process.env.IMAGESPEC_TEST_REGISTRY_PORT ?? 5000);
export const AUTH_REGISTRY_PORT = OPEN_REGISTRY_PORT + 1;
export const AUTH_USER = 'imagespec';
export const AUTH_PASSWORD = 'test-password-1';

/**
 * Starts (or reuses) two distribution registries on 127.0.0.1: an open one, and one behind
 * htpasswd basic auth. Storage persists in the state dir so pushed base images survive runs.
 */
export async function ensureRegistries(
  log: (line: string) => void,
): Promise<{ open: TestRegistry; auth: TestRegistry }> {
  const open = await ensureRegistry('open', OPEN_REGISTRY_PORT, undefined, log);
  const auth = await ensureRegistry('auth', AUTH_REGISTRY_PORT, { username: AUTH_USER, password: AUTH_PASSWORD }, log);
  return { open, auth };
}

async function ensureRegistry(
  kind: 'open' | 'auth',
  port: number,
  credentials: { username: string; password: string } | undefined,
  log: (line: string) => void,
): Promise<TestRegistry> {
  const host = `127.0.0.1:${port}`;
  const url = `http://${host}`;
  const registry: TestRegistry = { host, url, ...credentials };
  const expected = credentials ? 401 : 200;
  const status = await httpStatus(`${url}/v2/`);
  if (status === expected) return registry;
  if (status !== 0) {
    throw new Error(
      `Something else answers on ${host} (GET /v2/ gave ${status}, expected ${expected}). Free the port or set IMAGESPEC_TEST_REGISTRY_PORT.`,
    );
  }
  ensureAptPackages({ 'docker-registry': 'docker-registry', htpasswd: 'apache2-utils' }, log);
  const dir = stateDir('registry', kind);
  const config = [
    'version: 0.1',
    'log: { level: warn }',
    'storage:',
    `  filesystem: { rootdirectory: ${join(dir, 'data')} }`,
    '  delete: { enabled: true }',
    'http:',
    `  addr: ${host}`,
  ];
  if (credentials) {
    const htpasswd = join(dir, 'htpasswd');
    if (!existsSync(htpasswd)) {
      execFileSync('htpasswd', ['-Bbc', htpasswd, credentials.username, credentials.password], { stdio: 'ignore' });
    }
    config.push('auth:', '  htpasswd:', '    realm: imagespec-test', `    path: ${htpasswd}`);
  }
  const configFile = join(dir, 'config.yml');
  writeFileSync(configFile, `${config.join('\n')}\n`);
  log(`starting docker-registry (${kind}) on ${host}`);
  const out = openSync(join(dir, 'registry.log'), 'a');
  const child = spawn('docker-registry', ['serve', configFile], { detached: true, stdio: ['ignore', out, out] });
  child.unref();
  closeSync(out);
  if (!(await waitFor(async () => (await httpStatus(`${url}/v2/`)) === expected, 20_000))) {
    throw new Error(
      `docker-registry (${kind}) did not answer on ${host} within 20 s; see ${join(dir, 'registry.log')}.`,
    );
  }
  return registry;
}
