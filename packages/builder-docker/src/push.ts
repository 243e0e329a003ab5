import { setTimeout as delay } from 'node:timers/promises';
import type { BuilderEvent, BuildRequest, BuildResult, RegistryAccess } from '@imagespec/core/builder';
import type Docker from 'dockerode';
import { registryHost, splitImageName } from './image-name.js';
import { readJsonLines } from './progress/json-lines.js';
import { type PushFailureKind, pushError, pushFailureKind } from './push-errors.js';
import { type EngineAuthConfig, engineAuthFor } from './registry-auth.js';

export interface PushPolicy {
  /** The push fails when the engine reports nothing for this long (no byte, no layer status). */
  readonly idleTimeoutMs: number;
  /** Further attempts after a registry server error (5xx) or a cut connection. */
  readonly retries: number;
  /** Wait before the first retry; doubled for each next one. */
  readonly backoffMs: number;
}

export type PushOutcome =
  | { readonly ok: true; readonly digest?: string; readonly attempts: number }
  | { readonly ok: false; readonly error: string; readonly kind: PushFailureKind; readonly attempts: number };

interface PushOptions {
  readonly signal: AbortSignal;
  readonly emit: (event: BuilderEvent) => void;
  readonly policy: PushPolicy;
}

/**
 * Pushes `image` with the given credentials (X-Registry-Auth), again after a server error
 * or a cut connection (concurrent pushes of one blob can make the registry answer 500),
 * with doubling waits. Credentials, a refused connection and a stalled registry are not
 * retried: another attempt would fail the same way, or wait as long again.
 */
export async function pushImage(
  docker: Docker,
  image: string,
  auth: EngineAuthConfig | undefined,
  options: PushOptions,
): Promise<PushOutcome> {
  const { retries, backoffMs } = options.policy;
  for (let attempt = 1; ; attempt++) {
    const outcome = await pushOnce(docker, image, auth, options);
    if (outcome.ok) return { ...outcome, attempts: attempt };
    const retryable = outcome.kind === 'server' || outcome.kind === 'reset';
    if (!retryable || attempt > retries) return { ...outcome, attempts: attempt };
    // Jitter, so builds that collided on one blob do not collide again on the retry.
    const wait = Math.round(backoffMs * 2 ** (attempt - 1) * (0.75 + Math.random() * 0.5));
    options.emit({
      type: 'log',
      stream: 'stderr',
      line: `push failed (${outcome.error}); retrying in ${(wait / 1000).toFixed(1)} s (attempt ${attempt + 1} of ${retries + 1})`,
      step: 'push',
    });
    await delay(wait, undefined, { signal: options.signal });
  }
}

/**
 * One push. The engine reports push errors inside a 200 stream (`errorDetail`), so the
 * stream is read to its end; it is destroyed on abort or when it stays silent for the idle
 * timeout, which closes the request and makes the engine cancel the upload.
 */
async function pushOnce(
  docker: Docker,
  image: string,
  auth: EngineAuthConfig | undefined,
  options: PushOptions,
): Promise<
  { readonly ok: true; readonly digest?: string } | { readonly ok: false; error: string; kind: PushFailureKind }
> {
  const { repository, tag } = splitImageName(image);
  const idle = new AbortController();
  const idleSeconds = options.policy.idleTimeoutMs / 1000;
  const timer = setTimeout(
    () => idle.abort(new Error(`the engine reported no push progress for ${idleSeconds} s`)),
    options.policy.idleTimeoutMs,
  );
  const signal = AbortSignal.any([options.signal, idle.signal]);
  let digest: string | undefined;
  let error: string | undefined;
  try {
    const stream = (await docker.getImage(repository).push({
      tag,
      // An empty auth still sends the header: some engines refuse a push without it.
      authconfig: auth ?? {},
      abortSignal: signal,
    })) as NodeJS.ReadableStream & { destroy(error?: Error): void };
    const destroy = () => stream.destroy();
    signal.addEventListener('abort', destroy, { once: true });
    try {
      await readJsonLines(stream, (message) => {
        timer.refresh();
        const aux = message.aux as { Digest?: unknown } | undefined;
        if (typeof aux?.Digest === 'string') digest = aux.Digest;
        if (message.errorDetail || message.error) {
          error = (message.errorDetail as { message?: string } | undefined)?.message ?? String(message.error);
        } else if (typeof message.status === 'string' && !message.progressDetail && !message.id) {
          options.emit({ type: 'log', stream: 'stdout', line: message.status, step: 'push' });
        }
      });
    } finally {
      signal.removeEventListener('abort', destroy);
    }
  } catch (caught) {
    if (idle.signal.aborted && !options.signal.aborted) {
      return {
        ok: false,
        error: `the registry stopped answering: no push progress for ${idleSeconds} s`,
        kind: 'timeout',
      };
    }
    throw caught;
  } finally {
    clearTimeout(timer);
  }
  if (error !== undefined) return { ok: false, error, kind: pushFailureKind(error) };
  return { ok: true, ...(digest && { digest }) };
}

/** Wait before the first retry of a push. */
const PUSH_BACKOFF_MS = 1000;

/** The push of a built and tagged image, as a `push <image>` step; PUSH_FAILED or a registry error when it fails. */
export async function pushBuiltImage(
  docker: Docker,
  request: BuildRequest,
  options: { registries: RegistryAccess; idleTimeoutMs: number; retries: number; signal: AbortSignal },
): Promise<BuildResult> {
  const { idleTimeoutMs, retries } = options;
  const host = registryHost(request.image);
  const auth = (await engineAuthFor(options.registries, [host]))[host];
  const step = { type: 'step', id: 'push', name: `push ${request.image}` } as const;
  request.events.emit({ ...step, status: 'started' });
  const pushed = await pushImage(docker, request.image, auth, {
    signal: options.signal,
    emit: (event) => request.events.emit(event),
    policy: { idleTimeoutMs, retries, backoffMs: PUSH_BACKOFF_MS },
  });
  if (!pushed.ok) {
    request.events.emit({ ...step, status: 'error', error: pushed.error });
    throw pushError(request.image, host, pushed, { hasCredentials: auth !== undefined, idleTimeoutMs });
  }
  request.events.emit({ ...step, status: 'done' });
  return { image: request.image, pushed: true, ...(pushed.digest && { digest: pushed.digest }) };
}
