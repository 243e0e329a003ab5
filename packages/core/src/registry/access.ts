import { readFile } from 'node:fs/promises';
import type { RegistryAccess } from '../contract/builder.js';
import { ImagespecError } from '../errors.js';
import { normalizeImageRef } from '../image-ref/image-ref.js';
import type { Exec } from './credential-helper.js';
import { createCredentialStore } from './credentials.js';
import { type DockerConfig, normalizeRegistryHost, readDockerConfig } from './docker-config.js';

/** What the imagespec config says about one registry host. */
export interface RegistrySettings {
  /** Speak plain HTTP. Loopback hosts do unless this says false or a `ca` is given. */
  readonly insecure?: boolean;
  /** PEM file of a private CA the registry's certificate (and its token server's) chains to. */
  readonly ca?: string;
  /** `docker-credential-<credHelper>` serves this host, whatever the Docker config says (aws, google, azure are aliases). */
  readonly credHelper?: string;
}

/**
 * Cloud names users write for a registry's credentials (as Union's authenticationType
 * does), mapped to the helper programs those clouds ship: docker-credential-ecr-login
 * (amazon-ecr-credential-helper), docker-credential-gcloud, docker-credential-acr-env.
 */
export const CRED_HELPER_ALIASES: Readonly<Record<string, string>> = {
  aws: 'ecr-login',
  ecr: 'ecr-login',
  google: 'gcloud',
  gcp: 'gcloud',
  azure: 'acr-env',
  acr: 'acr-env',
};

/** RegistryAccess plus what only core's registry client uses. */
export interface ResolvedRegistryAccess extends RegistryAccess {
  /** PEM text of the private CA configured for a host (the file is read on first use), or undefined. */
  caCertificates(host: string): Promise<string | undefined>;
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
 * insecure and for loopback, a private CA per host, and pull references rewritten through
 * the configured mirrors.
 */
export function createRegistryAccess(options: RegistryAccessOptions = {}): ResolvedRegistryAccess {
  const env = options.env ?? process.env;
  const settings = new Map(
    Object.entries(options.registries ?? {}).map(([host, value]) => [normalizeRegistryHost(host), value]),
  );
  const credHelperOverrides = Object.fromEntries(
    [...settings].flatMap(([host, value]) =>
      value.credHelper ? [[host, CRED_HELPER_ALIASES[value.credHelper] ?? value.credHelper]] : [],
    ),
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

  const caFiles = new Map<string, Promise<string>>();

  return {
    credentials: (host) => store.credentials(host),
    caCertificates(host) {
      const key = normalizeRegistryHost(host);
      const file = settings.get(key)?.ca;
      if (!file) return Promise.resolve(undefined);
      let pem = caFiles.get(key);
      if (!pem) {
        pem = readCaFile(file, key);
        caFiles.set(key, pem);
      }
      return pem;
    },
    insecure(host) {
      // The config decides when it says anything (a loopback registry may serve HTTPS); else loopback means HTTP.
      const setting = settings.get(normalizeRegistryHost(host));
      if (setting?.insecure !== undefined) return setting.insecure;
      return setting?.ca === undefined && isLoopbackHost(host);
    },
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

async function readCaFile(file: string, host: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new ImagespecError(
      'CONFIG_INVALID',
      `Cannot read the CA file ${file} configured for registry ${host}: ${(error as Error).message}`,
      {
        hint: `Fix the path in registries['${host}'].ca of the imagespec config.`,
        cause: error,
        details: { host, file },
      },
    );
  }
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
