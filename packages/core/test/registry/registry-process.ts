import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHttpFetch, type RegistryFetch } from '../../src/registry/http-fetch.js';
import { unusedPort } from './local-servers.js';

/** A docker-registry (distribution) process on a free 127.0.0.1 port, storing in `dir`. */
export interface RegistryProcess {
  readonly host: string;
  stop(): Promise<void>;
}

/**
 * Starts Debian's docker-registry with `http` and `extra` config lines (auth, tls) and waits
 * until `GET /v2/` answers `ready` through `fetchImpl` (TLS registries need a CA-aware fetch).
 */
export async function startRegistryProcess(options: {
  dir: string;
  extra: readonly string[];
  scheme: 'http' | 'https';
  ready: number;
  fetch?: RegistryFetch;
}): Promise<RegistryProcess> {
  const host = `127.0.0.1:${await unusedPort()}`;
  const config = join(options.dir, 'config.yml');
  await writeFile(
    config,
    [
      'version: 0.1',
      'log: { level: warn }',
      'storage:',
      `  filesystem: { rootdirectory: ${join(options.dir, 'data')} }`,
      'http:',
      `  addr: ${host}`,
      ...options.extra,
      '',
    ].join('\n'),
  );
  const logFile = join(options.dir, 'registry.log');
  const out = openSync(logFile, 'a');
  const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', out, out] });
  closeSync(out);
  const stop = () => stopChild(child);
  const url = `${options.scheme}://${host}/v2/`;
  if (!(await waitForStatus(url, options.ready, 20_000, options.fetch ?? createHttpFetch()))) {
    await stop();
    throw new Error(
      `docker-registry did not answer ${options.ready} on ${url}: ${await readFile(logFile, 'utf8').catch(() => '')}`,
    );
  }
  return { host, stop };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

async function waitForStatus(
  url: string,
  status: number,
  timeoutMs: number,
  fetchImpl: RegistryFetch,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const got = await fetchImpl(url, { signal: AbortSignal.timeout(1000) })
      .then(async (response) => {
        await response.body?.cancel();
        return response.status;
      })
      .catch(() => 0);
    if (got === status) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}
