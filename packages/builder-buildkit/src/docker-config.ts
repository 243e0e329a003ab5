import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RegistryAccess, RegistryCredentials } from '@imagespec/core/builder';

/**
 * buildctl sends registry credentials from the Docker config it finds through
 * DOCKER_CONFIG. When imagespec knows credentials for the registries a build touches
 * (from its own config chain and credential helpers), we hand buildctl a private config
 * holding exactly those, in a temp folder that the build removes afterwards.
 */

/** Docker keeps Docker Hub's credentials under its v1 index URL. */
const DOCKER_HUB_KEY = 'https://index.docker.io/v1/';

/** Pure: credentials per registry host -> config.json text. */
export function renderDockerConfig(entries: ReadonlyMap<string, RegistryCredentials>): string {
  const auths: Record<string, Record<string, string>> = {};
  for (const [host, credentials] of entries) {
    const key = host === 'docker.io' || host === 'index.docker.io' ? DOCKER_HUB_KEY : host;
    auths[key] =
      'identityToken' in credentials
        ? { identitytoken: credentials.identityToken }
        : { auth: Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64') };
  }
  return `${JSON.stringify({ auths }, null, 2)}\n`;
}

export async function collectCredentials(
  registries: RegistryAccess,
  hosts: Iterable<string>,
): Promise<Map<string, RegistryCredentials>> {
  const found = new Map<string, RegistryCredentials>();
  for (const host of new Set(hosts)) {
    const credentials = await registries.credentials(host);
    if (credentials) found.set(host, credentials);
  }
  return found;
}

/** Writes `<dir>/config.json` (owner-only) and returns the folder to use as DOCKER_CONFIG. */
export async function writeDockerConfig(
  dir: string,
  entries: ReadonlyMap<string, RegistryCredentials>,
): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(join(dir, 'config.json'), renderDockerConfig(entries), { mode: 0o600 });
  return dir;
}
