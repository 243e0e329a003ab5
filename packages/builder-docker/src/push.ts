import type { BuilderEvent } from '@imagespec/core/builder';
import type Docker from 'dockerode';
import { splitImageName } from './image-name.js';
import { readJsonLines } from './json-lines.js';
import type { EngineAuthConfig } from './registry-auth.js';

export type PushOutcome =
  | { readonly ok: true; readonly digest?: string }
  | { readonly ok: false; readonly error: string };

/**
 * Pushes `image` with the given credentials (X-Registry-Auth). The engine reports push
 * errors inside a 200 stream (`errorDetail`), so the stream is read to its end.
 */
export async function pushImage(
  docker: Docker,
  image: string,
  auth: EngineAuthConfig | undefined,
  options: { signal: AbortSignal; emit: (event: BuilderEvent) => void },
): Promise<PushOutcome> {
  const { repository, tag } = splitImageName(image);
  const stream = (await docker.getImage(repository).push({
    tag,
    // An empty auth still sends the header: some engines refuse a push without it.
    authconfig: auth ?? {},
    abortSignal: options.signal,
  })) as NodeJS.ReadableStream;
  let digest: string | undefined;
  let error: string | undefined;
  await readJsonLines(stream, (message) => {
    const aux = message.aux as { Digest?: unknown } | undefined;
    if (typeof aux?.Digest === 'string') digest = aux.Digest;
    if (message.errorDetail || message.error) {
      error = (message.errorDetail as { message?: string } | undefined)?.message ?? String(message.error);
    } else if (typeof message.status === 'string' && !message.progressDetail && !message.id) {
      options.emit({ type: 'log', stream: 'stdout', line: message.status, step: 'push' });
    }
  });
  if (error !== undefined) return { ok: false, error };
  return { ok: true, ...(digest && { digest }) };
}
