/**
 * A build whose context goes to the engine as a tar in the body of POST /build: the classic
 * builder's only way, and BuildKit's when the session transport is off or was lost.
 */
import type { BuilderHost, BuildRequest, DockerfileDialect } from '@imagespec/core/builder';
import type Docker from 'dockerode';
import { fromRegistryHosts } from './image-name.js';
import { type BuildOutcome, followBuildStream } from './progress/build-stream.js';
import { engineAuthFor } from './registry-auth.js';

export async function runTarBuild(
  docker: Docker,
  request: BuildRequest,
  dialect: DockerfileDialect,
  options: { readonly query: Record<string, unknown>; readonly host: BuilderHost; readonly signal: AbortSignal },
): Promise<BuildOutcome> {
  const { host } = options;
  const auth = await engineAuthFor(host.registries, fromRegistryHosts(request.dockerfile(dialect)));
  const credentials = Object.values(auth);
  if (dialect === 'buildkit' && credentials.length > 1) {
    host.logger.warn(
      `BuildKit through the engine API with a tar context takes one credential: using ${credentials[0]?.serveraddress}'s for every base image`,
    );
  }
  const stream = (await docker.buildImage(request.context({ dialect }), {
    ...options.query,
    // Classic: per-host credentials in X-Registry-Config. BuildKit: dockerode's session answers with one.
    registryconfig: auth,
    ...(dialect === 'buildkit' && credentials[0] && { authconfig: credentials[0] }),
    abortSignal: options.signal,
  } as Docker.ImageBuildOptions)) as NodeJS.ReadableStream;
  const outcome = await followBuildStream(stream, (event) => request.events.emit(event));
  // dockerode closes its BuildKit session on the stream's `end`, which an aborted or
  // guarded stream never emits: without this the session socket stays open.
  if (!(stream as { readableEnded?: boolean }).readableEnded) stream.emit('end');
  return outcome;
}
