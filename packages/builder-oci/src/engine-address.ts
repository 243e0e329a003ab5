import type { EngineAddress } from './engine-client.js';

export const DEFAULT_SOCKET = '/var/run/docker.sock';

/**
 * The local engine builder-oci may use, or why there is none: the `engine` option, then
 * DOCKER_HOST (unix://, or tcp:// without TLS), then the default socket. Pure.
 */
export function resolveEngineAddress(
  option: string | false | undefined,
  env: Readonly<Record<string, string | undefined>>,
): EngineAddress | { readonly none: string } {
  if (option === false) return { none: 'the oci builder has engine: false' };
  if (option) return { socketPath: option };
  const dockerHost = env.DOCKER_HOST;
  if (!dockerHost) return { socketPath: DEFAULT_SOCKET };
  if (dockerHost.startsWith('unix://')) return { socketPath: dockerHost.slice('unix://'.length) };
  if (dockerHost.startsWith('tcp://') && !(env.DOCKER_TLS_VERIFY && env.DOCKER_TLS_VERIFY !== '0')) {
    const url = new URL(dockerHost.replace(/^tcp:/, 'http:'));
    return { host: url.hostname, port: url.port ? Number(url.port) : 2375 };
  }
  return {
    none: `DOCKER_HOST=${dockerHost} is not an engine the oci builder can reach (unix://, or tcp:// without TLS)`,
  };
}

/** X-Registry-Auth for the engine's pull: the credentials JSON, encoded as the Docker CLI does. */
export function engineAuthHeader(
  serveraddress: string,
  credentials:
    | { readonly username: string; readonly password: string }
    | { readonly identityToken: string }
    | undefined,
): string | undefined {
  if (!credentials) return undefined;
  const body =
    'username' in credentials
      ? { username: credentials.username, password: credentials.password, serveraddress }
      : { identitytoken: credentials.identityToken, serveraddress };
  // Go's base64.URLEncoding: the URL alphabet, with padding (Node's base64url has none, which the engine rejects).
  return Buffer.from(JSON.stringify(body)).toString('base64').replaceAll('+', '-').replaceAll('/', '_');
}
