import type { RegistryCredentials } from '../contract/builder.js';
import { ImagespecError } from '../errors.js';
import { type Exec, execProgram, runCredentialHelper } from './credential-helper.js';
import { type DockerAuthEntry, type DockerConfig, normalizeRegistryHost } from './docker-config.js';

export interface CredentialStore {
  /** Credentials for a registry host (`docker.io`, `localhost:5000`), or undefined for anonymous. */
  credentials(host: string): Promise<RegistryCredentials | undefined>;
}

export interface CredentialStoreOptions {
  /** The Docker config, or a function that reads it on first use (so nothing is read before it is needed). */
  readonly dockerConfig: DockerConfig | (() => Promise<DockerConfig>);
  /** Runs credential helpers; defaults to spawning the real `docker-credential-*` program. */
  readonly exec?: Exec;
  /** Environment of helper processes (PATH finds them). Defaults to process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Per-host helpers from the imagespec config; they win over the Docker config. */
  readonly credHelperOverrides?: Readonly<Record<string, string>>;
  /** Per helper run (default 30 s: a helper may unlock a keychain). */
  readonly helperTimeoutMs?: number;
}

/** The server URL Docker hands helpers for Docker Hub; other registries go by their host. */
const DOCKER_HUB_SERVER_URL = 'https://index.docker.io/v1/';

/**
 * Docker's credential lookup, in testcontainers' order: the host's credential helper
 * (imagespec config, then `credHelpers`), then the default `credsStore`, then `auths`.
 * Each source that holds nothing for the host passes to the next; a helper that fails
 * is an error (never silently anonymous). Answers are cached per host for the run.
 */
export function createCredentialStore(options: CredentialStoreOptions): CredentialStore {
  const exec = options.exec ?? execProgram;
  const env = options.env ?? process.env;
  const timeoutMs = options.helperTimeoutMs ?? 30_000;
  const overrides = Object.fromEntries(
    Object.entries(options.credHelperOverrides ?? {}).map(([host, helper]) => [normalizeRegistryHost(host), helper]),
  );
  let config: Promise<DockerConfig> | undefined;
  const loadConfig = () => {
    config ??=
      typeof options.dockerConfig === 'function' ? options.dockerConfig() : Promise.resolve(options.dockerConfig);
    return config;
  };
  const cache = new Map<string, Promise<RegistryCredentials | undefined>>();

  async function lookup(host: string): Promise<RegistryCredentials | undefined> {
    const serverUrl = host === 'docker.io' ? DOCKER_HUB_SERVER_URL : host;
    const helper = (name: string) => runCredentialHelper(name, serverUrl, { exec, env, timeoutMs });
    const override = overrides[host];
    if (override) {
      const found = await helper(override);
      if (found) return found;
    }
    const docker = await loadConfig();
    const hostHelper = docker.credHelpers[host];
    if (hostHelper) {
      const found = await helper(hostHelper);
      if (found) return found;
    }
    if (docker.credsStore) {
      const found = await helper(docker.credsStore);
      if (found) return found;
    }
    const entry = docker.auths[host];
    return entry ? fromAuthEntry(entry, host, docker.file) : undefined;
  }

  return {
    credentials(host) {
      const key = normalizeRegistryHost(host);
      let found = cache.get(key);
      if (!found) {
        found = lookup(key);
        cache.set(key, found);
        // A failure is not remembered: the next call tries again (the user may have unlocked the keychain).
        found.catch(() => cache.delete(key));
      }
      return found;
    },
  };
}

/** An `auths` entry: identity token, base64 `user:password`, or username and password. */
function fromAuthEntry(
  entry: DockerAuthEntry,
  host: string,
  file = 'the Docker config',
): RegistryCredentials | undefined {
  if (entry.identitytoken) return { identityToken: entry.identitytoken };
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) {
      throw new ImagespecError(
        'CREDENTIALS_FAILED',
        `The auths entry for ${host} in ${file} is not base64 of "username:password".`,
        {
          hint: `Run \`docker login ${host}\` to rewrite it.`,
          details: { host, file },
        },
      );
    }
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (entry.username && entry.password) return { username: entry.username, password: entry.password };
  return undefined;
}
