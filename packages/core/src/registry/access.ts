import { normalizeImageRef } from '../image-ref/image-ref.js';
import type { RegistryAccess } from '../plugin/types.js';
import type { Exec } from './credential-helper.js';
import { createCredentialStore } from './credentials.js';
import { type DockerConfig, normalizeRegistryHost, readDockerConfig } from './docker-config.js';

/** What the imagespec config says about one registry host. */
export interface RegistrySettings {
  /** Speak plain HTTP (loopback hosts always do). */
  readonly insecure?: boolean;
  /** PEM file of a private CA. Not applied yet: set NODE_EXTRA_CA_CERTS to it instead. */
  readonly ca?: string;
  /** `docker-credential-<credHelper>` serves this host, whatever the Docker config says. */
  readonly credHelper?: string;
}

export interface RegistryAccessOptions {
  readonly registries?: Readonly<Record<string, RegistrySettings>>;
  /** Reference prefix -> replacement: `{ 'docker.io/': 'registry.internal/dockerhub/' }`. */
  readonly mirrors?: Readonly<Record<string, string>>;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Home folder for `~/.docker/config.json` (default: the user's). */
  readonly home?: string;
  /** Injected Docker config (tests); by default it is read on the first credentials lookup. */
  readonly dockerConfig?: DockerConfig;
  readonly exec?: Exec;
}

/**
 * The RegistryAccess core hands builders and the registry client: credentials from the
 * Docker config and helpers (read on first use, not before), plain HTTP for hosts marked
 * insecure and for loopback, and pull references rewritten through the configured mirrors.
 */
export function createRegistryAccess(options: RegistryAccessOptions = {}): RegistryAccess {
  const env = options.env ?? process.env;
  const settings = new Map(
    Object.entries(options.registries ?? {}).map(([host, value]) => [normalizeRegistryHost(host), value]),
  );
  const credHelperOverrides = Object.fromEntries(
    [...settings].flatMap(([host, value]) => (value.credHelper ? [[host, value.credHelper]] : [])),
  );
  const store = createCredentialStore({
    dockerConfig:
      options.dockerConfig ?? (() => readDockerConfig({ env, ...(options.home && { home: options.home }) })),
    env,
    credHelperOverrides,
    ...(options.exec && { exec: options.exec }),
  });
  const mirrors = Object.entries(options.mirrors ?? {})
    .map(([prefix, replacement]) => [trimSlash(prefix), trimSlash(replacement)] as const)
    .sort(([a], [b]) => b.length - a.length);

  return {
    credentials: (host) => store.credentials(host),
    insecure: (host) => settings.get(normalizeRegistryHost(host))?.insecure === true || isLoopbackHost(host),
    mirror(reference) {
      if (mirrors.length === 0) return reference;
      const normalized = normalizeImageRef(reference);
      for (const [prefix, replacement] of mirrors) {
        const next = normalized[prefix.length];
        // Only whole name components: `docker.io/library/ubuntu` is not a prefix of `.../ubuntu-extra`.
        if (normalized.startsWith(prefix) && (next === '/' || next === ':' || next === '@')) {
          return replacement + normalized.slice(prefix.length);
        }
      }
      return reference;
    },
  };
}

/** localhost, 127.0.0.0/8 and ::1, with or without a port. */
export function isLoopbackHost(host: string): boolean {
  const lower = host.toLowerCase();
  if (lower === '::1') return true;
  const name = lower.startsWith('[') ? lower.slice(1, lower.indexOf(']')) : lower.replace(/:\d+$/, '');
  return name === 'localhost' || name === '::1' || /^127(?:\.\d{1,3}){3}$/.test(name);
}

function trimSlash(value: string): string {
  return value.replace(/\/+$/, '');
}
