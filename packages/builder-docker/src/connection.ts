import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { DockerBuilderOptions } from './options.js';

export const DEFAULT_SOCKET = '/var/run/docker.sock';

/** Where the engine is: resolved from options, then DOCKER_HOST, then the default socket. */
export type EngineConnection =
  | { readonly kind: 'socket'; readonly socketPath: string }
  | {
      readonly kind: 'tcp';
      readonly protocol: 'http' | 'https';
      readonly host: string;
      readonly port: number;
      readonly tls?: { readonly ca?: string; readonly cert?: string; readonly key?: string };
    };

/** Pure: options win over DOCKER_HOST / DOCKER_TLS_VERIFY / DOCKER_CERT_PATH, which win over the default socket. */
export function resolveConnection(
  options: Pick<DockerBuilderOptions, 'socketPath' | 'host' | 'port' | 'protocol' | 'tls'>,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): EngineConnection {
  const tlsFromEnv =
    env.DOCKER_TLS_VERIFY && env.DOCKER_TLS_VERIFY !== '0' ? certFiles(env.DOCKER_CERT_PATH, env.HOME) : undefined;
  const tls = options.tls
    ? Object.fromEntries(Object.entries(options.tls).map(([key, path]) => [key, resolve(cwd, path as string)]))
    : tlsFromEnv;
  if (options.socketPath) return { kind: 'socket', socketPath: resolve(cwd, options.socketPath) };
  if (options.host) {
    const protocol = options.protocol ?? (tls ? 'https' : 'http');
    return {
      kind: 'tcp',
      protocol,
      host: options.host,
      port: options.port ?? (protocol === 'https' ? 2376 : 2375),
      ...(tls && { tls }),
    };
  }
  const dockerHost = env.DOCKER_HOST;
  if (dockerHost?.startsWith('unix://')) return { kind: 'socket', socketPath: dockerHost.slice('unix://'.length) };
  if (dockerHost?.startsWith('tcp://') || dockerHost?.startsWith('http://') || dockerHost?.startsWith('https://')) {
    const url = new URL(dockerHost.replace(/^tcp:/, tlsFromEnv ? 'https:' : 'http:'));
    const protocol = url.protocol === 'https:' ? 'https' : 'http';
    return {
      kind: 'tcp',
      protocol,
      host: url.hostname,
      port: url.port ? Number(url.port) : protocol === 'https' ? 2376 : 2375,
      ...(tlsFromEnv && { tls: tlsFromEnv }),
    };
  }
  if (dockerHost) {
    throw new Error(
      `DOCKER_HOST=${dockerHost} is not supported by the docker builder (use unix://, tcp://, http:// or https://).`,
    );
  }
  return { kind: 'socket', socketPath: DEFAULT_SOCKET };
}

/** For messages: `unix:///var/run/docker.sock`, `https://10.0.0.5:2376`. */
export function describeConnection(connection: EngineConnection): string {
  return connection.kind === 'socket'
    ? `unix://${connection.socketPath}`
    : `${connection.protocol}://${connection.host}:${connection.port}`;
}

/** The dockerode constructor options, with TLS files read. */
export async function dockerodeOptions(connection: EngineConnection): Promise<Record<string, unknown>> {
  // Connection: close on every request: streamed build bodies on a kept-alive connection
  // can hang or be misread by the daemon (docker-modem issue 196).
  const headers = { Connection: 'close' };
  if (connection.kind === 'socket') return { socketPath: connection.socketPath, headers };
  const read = async (path: string | undefined) => (path ? await readFile(path) : undefined);
  const [ca, cert, key] = await Promise.all([
    read(connection.tls?.ca),
    read(connection.tls?.cert),
    read(connection.tls?.key),
  ]);
  return {
    protocol: connection.protocol,
    host: connection.host,
    port: connection.port,
    headers,
    ...(ca && { ca }),
    ...(cert && { cert }),
    ...(key && { key }),
  };
}

function certFiles(certPath: string | undefined, home: string | undefined): { ca: string; cert: string; key: string } {
  const dir = certPath ?? join(home ?? '', '.docker');
  return { ca: join(dir, 'ca.pem'), cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') };
}
