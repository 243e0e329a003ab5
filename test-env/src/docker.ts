import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { ensureAptPackages } from './apt.js';
import { stateDir } from './state.js';
import { waitFor } from './wait.js';

const DEFAULT_SOCKET = '/var/run/docker.sock';

/** Pings a Docker engine on a unix socket; true when it answers `OK`. */
export function pingDocker(socketPath: string, timeoutMs = 1500): Promise<boolean> {
  if (!existsSync(socketPath)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/**
 * Returns the socket of a Docker engine that answers. Uses DOCKER_HOST (unix://) or the
 * default socket when an engine is already there (a laptop: nothing is changed). Otherwise,
 * on Debian as root, installs docker.io and starts dockerd with no bridge and no iptables
 * rules (builds then use network host or none).
 */
export async function ensureDocker(log: (line: string) => void): Promise<string> {
  const fromEnv = process.env.DOCKER_HOST?.startsWith('unix://') ? process.env.DOCKER_HOST.slice(7) : undefined;
  const socketPath = fromEnv ?? DEFAULT_SOCKET;
  if (await pingDocker(socketPath)) return socketPath;
  if (fromEnv) {
    throw new Error(
      `DOCKER_HOST points at ${process.env.DOCKER_HOST}, but no Docker engine answers there. Start it, or unset DOCKER_HOST to let the suite start its own.`,
    );
  }
  ensureAptPackages({ dockerd: 'docker.io' }, log);
  log('starting dockerd (--bridge=none --iptables=false --ip-masq=false)');
  const logFile = join(stateDir('dockerd'), 'dockerd.log');
  const out = openSync(logFile, 'a');
  const child = spawn(
    'dockerd',
    [
      '--bridge=none',
      '--iptables=false',
      '--ip-masq=false',
      `--host=unix://${socketPath}`,
      `--pidfile=${join(stateDir('dockerd'), 'dockerd.pid')}`,
    ],
    { detached: true, stdio: ['ignore', out, out] },
  );
  child.unref();
  closeSync(out);
  if (!(await waitFor(() => pingDocker(socketPath), 60_000))) {
    const tail = spawnSync('tail', ['-n', '20', logFile], { encoding: 'utf8' }).stdout;
    throw new Error(`dockerd did not answer on ${socketPath} within 60 s. Last lines of ${logFile}:\n${tail}`);
  }
  return socketPath;
}
