import type Docker from 'dockerode';

export interface EngineInfo {
  readonly apiVersion: string;
  readonly version: string;
  readonly os: string;
  /** The engine builds with BuildKit when asked (`version=2` on POST /build). */
  readonly buildkit: boolean;
}

/** BuildKit through the engine API arrived with API 1.39 (Engine 18.09), Linux engines only. */
export function hasBuildkit(apiVersion: string, os: string): boolean {
  const [major = 0, minor = 0] = apiVersion.split('.').map(Number);
  return os === 'linux' && (major > 1 || (major === 1 && minor >= 39));
}

/** dockerode passes `abortSignal` through on these calls; its type definitions do not list it. */
type WithSignal<T> = (this: Docker, options: { abortSignal: AbortSignal }) => Promise<T>;

export function pingEngine(docker: Docker, signal: AbortSignal): Promise<unknown> {
  return (docker.ping as unknown as WithSignal<unknown>).call(docker, { abortSignal: signal });
}

export async function readEngineInfo(docker: Docker): Promise<EngineInfo> {
  const version = await (docker.version as unknown as WithSignal<Docker.DockerVersion>).call(docker, {
    abortSignal: AbortSignal.timeout(5000),
  });
  return {
    apiVersion: version.ApiVersion,
    version: version.Version,
    os: version.Os,
    buildkit: hasBuildkit(version.ApiVersion, version.Os),
  };
}
