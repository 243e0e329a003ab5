import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ImagespecError } from '../errors.js';

/** One `auths` entry of the Docker config, as `docker login` writes it. */
export interface DockerAuthEntry {
  /** base64 of `username:password`. */
  readonly auth?: string;
  readonly username?: string;
  readonly password?: string;
  readonly identitytoken?: string;
}

/** The parts of `~/.docker/config.json` that decide registry credentials, keyed by normalized host. */
export interface DockerConfig {
  /** Where it was read from (for messages); undefined when there was no file. */
  readonly file?: string;
  readonly auths: Readonly<Record<string, DockerAuthEntry>>;
  /** Default credential helper for every host (`desktop`, `osxkeychain`, `pass`...). */
  readonly credsStore?: string;
  /** Per-host credential helpers. */
  readonly credHelpers: Readonly<Record<string, string>>;
}

const EMPTY_DOCKER_CONFIG: DockerConfig = { auths: {}, credHelpers: {} };

/** The names Docker Hub goes by in Docker configs; credentials and the client call it `docker.io`. */
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/**
 * The host a Docker config key means: `https://index.docker.io/v1/` -> `docker.io`,
 * `http://localhost:5000/v2/` -> `localhost:5000`, `GHCR.io` -> `ghcr.io`.
 */
export function normalizeRegistryHost(key: string): string {
  const host = key
    .trim()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
    .replace(/\/.*$/, '')
    .toLowerCase();
  return DOCKER_HUB_ALIASES.has(host) ? 'docker.io' : host;
}

/**
 * Validates the text of a Docker config (pure). Unknown fields are ignored, as Docker
 * does; fields that decide credentials must have the right types. `source` names the file in errors.
 */
export function parseDockerConfig(text: string, source = 'Docker config'): DockerConfig {
  const fail = (problem: string): never => {
    throw new ImagespecError('CONFIG_INVALID', `${source} is not a valid Docker config: ${problem}.`, {
      hint: `Fix or remove ${source}; \`docker login\` rewrites it.`,
      details: { file: source },
    });
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return fail(`its JSON does not parse (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return fail('it is not a JSON object');
  const raw = parsed as { auths?: unknown; credsStore?: unknown; credHelpers?: unknown };

  const auths: Record<string, DockerAuthEntry> = {};
  for (const [key, value] of Object.entries(objectField(raw.auths, 'auths', fail))) {
    if (typeof value !== 'object' || value === null) fail(`auths[${JSON.stringify(key)}] is not an object`);
    const entry: Record<string, string> = {};
    for (const field of ['auth', 'username', 'password', 'identitytoken'] as const) {
      const v = (value as Record<string, unknown>)[field];
      if (v === undefined || v === '') continue;
      if (typeof v !== 'string') fail(`auths[${JSON.stringify(key)}].${field} is not a string`);
      entry[field] = v as string;
    }
    // Docker keeps the first of keys that name the same host; so do we.
    auths[normalizeRegistryHost(key)] ??= entry;
  }

  const credHelpers: Record<string, string> = {};
  for (const [key, value] of Object.entries(objectField(raw.credHelpers, 'credHelpers', fail))) {
    if (typeof value !== 'string' || value === '') fail(`credHelpers[${JSON.stringify(key)}] is not a helper name`);
    credHelpers[normalizeRegistryHost(key)] ??= value as string;
  }

  if (raw.credsStore !== undefined && typeof raw.credsStore !== 'string') fail('credsStore is not a string');
  const credsStore = raw.credsStore || undefined;
  return { auths, credHelpers, ...(credsStore && { credsStore: credsStore as string }) };
}

function objectField(value: unknown, name: string, fail: (problem: string) => never): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) return fail(`${name} is not an object`);
  return value as Record<string, unknown>;
}

/** Where Docker looks: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
export function dockerConfigPath(
  options: { env?: Readonly<Record<string, string | undefined>>; home?: string } = {},
): string {
  const env = options.env ?? process.env;
  const dir = env.DOCKER_CONFIG || join(options.home ?? homedir(), '.docker');
  return join(dir, 'config.json');
}

/** Reads the Docker config; a missing file is an empty config, a malformed one a CONFIG_INVALID naming the file. */
export async function readDockerConfig(
  options: { env?: Readonly<Record<string, string | undefined>>; home?: string } = {},
): Promise<DockerConfig> {
  const file = dockerConfigPath(options);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY_DOCKER_CONFIG;
    throw new ImagespecError(
      'CREDENTIALS_FAILED',
      `Cannot read the Docker config ${file}: ${(error as Error).message}`,
      {
        hint: 'Check its permissions, or point DOCKER_CONFIG at another folder.',
        cause: error,
        details: { file },
      },
    );
  }
  return { ...parseDockerConfig(text, file), file };
}
