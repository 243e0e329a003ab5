/**
 * A BuildKit build whose context and Dockerfile the engine fetches through a session
 * (`remote=client-session`), as `docker build` does: the engine keeps its copy of the
 * context under the session's shared key and asks only for the files that changed.
 */
import { createHash } from 'node:crypto';
import {
  type BuilderHost,
  type BuildRequest,
  contentMtimeNs,
  ImagespecError,
  isImagespecError,
} from '@imagespec/core/builder';
import type Docker from 'dockerode';
import { splitImageName } from '../image-name.js';
import { type BuildOutcome, followBuildStream } from '../progress/build-stream.js';
import { sessionCredentials } from './credentials.js';
import { checkSecrets, secretSource } from './secrets.js';
import { BuildSession } from './session.js';
import { SyncTree } from './sync-tree.js';

/** What POST /build is told besides the build query: fetch the context and the Dockerfile from the session. */
export const SESSION_QUERY = { remote: 'client-session', dockerfile: 'Dockerfile' } as const;

/** Runs the build through a session on `docker`; the request must list its context entries. */
export async function runSessionBuild(
  docker: Docker,
  request: BuildRequest,
  options: { readonly query: Record<string, unknown>; readonly host: BuilderHost; readonly signal: AbortSignal },
): Promise<BuildOutcome> {
  const { host, signal } = options;
  const contextEntries = request.contextEntries?.bind(request);
  if (!contextEntries) throw new Error('no context entries');
  await checkSecrets(request, host.env);
  let context: Promise<SyncTree> | undefined;
  const session = await BuildSession.open(docker, {
    name: 'imagespec',
    sharedKey: sessionSharedKey(request),
    dirs: {
      context: () => {
        context ??= SyncTree.collect(contextEntries());
        return context;
      },
      dockerfile: async () => dockerfileTree(request.dockerfile('buildkit')),
    },
    unfiltered: ['context'],
    credentials: (registry) => sessionCredentials(host.registries, registry),
    ...(request.secrets.length > 0 && { secret: secretSource(request, host.env) }),
    signal,
  });
  // A file that cannot be sent (changed since the tag was computed) stops the build at once.
  const failed = new AbortController();
  session.onFailure((error) => failed.abort(error));
  try {
    const stream = await postBuild(
      docker,
      { ...options.query, ...SESSION_QUERY, session: session.id },
      AbortSignal.any([signal, failed.signal]),
    );
    const outcome = await followBuildStream(stream, (event) => request.events.emit(event));
    (stream as { destroy?: () => void }).destroy?.();
    if (session.failure !== undefined) throw contextFailure(request.image, session.failure);
    return outcome;
  } catch (error) {
    if (session.failure !== undefined) throw contextFailure(request.image, session.failure);
    // For the tar fallback's message: whether the engine dropped the connection, and when.
    if (session.lostAfterMs !== undefined && isImagespecError(error) && error.details)
      error.details.sessionLostAfterMs = Math.round(session.lostAfterMs);
    throw error;
  } finally {
    session.close();
    for (const transfer of session.transfers) {
      host.logger.debug(
        `file sync ${transfer.dir}: ${transfer.requested} of ${transfer.stats} entries asked for, ${transfer.bytes} bytes sent (filters ${JSON.stringify(transfer.filters)}${transfer.dropped.length > 0 ? `, ignored: ${transfer.dropped.join(', ')}` : ''})`,
      );
    }
  }
}

/**
 * The session's shared key: the same for every build of one spec into one repository, so
 * the engine diffs against the copy of the context it kept from the previous build.
 */
function sessionSharedKey(request: BuildRequest): string {
  const { repository } = splitImageName(request.image);
  return createHash('sha256').update(`imagespec\0${request.spec.name}\0${repository}`).digest('hex').slice(0, 32);
}

/** The "dockerfile" directory of the session: the rendered Dockerfile alone. */
function dockerfileTree(dockerfile: string): SyncTree {
  const bytes = Buffer.from(dockerfile, 'utf8');
  // A stat that changes with the content (as core's entries have): the engine asks again when it differs.
  const mtimeNs = contentMtimeNs(createHash('sha256').update(bytes).digest('hex'));
  return new SyncTree([
    {
      path: 'Dockerfile',
      kind: 'file',
      mode: 0o644,
      size: bytes.length,
      mtimeNs,
      async *read() {
        yield bytes;
      },
    },
  ]);
}

/** POST /build with no body: the engine fetches the context through the session. */
function postBuild(
  docker: Docker,
  query: Record<string, unknown>,
  signal: AbortSignal,
): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) => {
    docker.modem.dial(
      {
        path: '/build?',
        method: 'POST',
        options: query,
        file: Buffer.alloc(0),
        isStream: true,
        abortSignal: signal,
        statusCodes: { 200: true, 400: 'bad parameter', 500: 'server error' },
      } as unknown as Parameters<Docker['modem']['dial']>[0],
      (error: unknown, stream: unknown) => {
        if (error) reject(error);
        else resolve(stream as NodeJS.ReadableStream);
      },
    );
  });
}

/** A transfer of the session that failed on our side: the file's own error (CONTEXT_CHANGED...) or a clear one. */
function contextFailure(image: string, error: unknown): unknown {
  if (isImagespecError(error)) return error;
  return new ImagespecError(
    'BUILD_FAILED',
    `Sending the build context of ${image} to the engine's BuildKit failed: ${(error as Error).message ?? String(error)}.`,
    {
      hint: "Set contextTransport: 'tar' in the docker builder's options to upload the context as a tar instead.",
      cause: error,
    },
  );
}
