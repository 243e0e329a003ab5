import { type ErrorCode, ImagespecError } from '@imagespec/core/builder';

/** What went wrong with a push, as far as the engine's words tell. */
export type PushFailureKind = 'auth' | 'server' | 'timeout' | 'refused' | 'reset' | 'other';

/**
 * Sorts the engine's push error (the registry's answer as dockerd relays it). A 5xx comes
 * as "received unexpected HTTP status: 500 ..." or, from a distribution registry, as its
 * error code UNKNOWN ("unknown: ..."), which it sends with status 500.
 */
export function pushFailureKind(message: string): PushFailureKind {
  if (/unauthorized|authentication required|no basic auth credentials|access.*denied|denied:|forbidden/i.test(message))
    return 'auth';
  if (/connection refused|no such host|no route to host/i.test(message)) return 'refused';
  if (
    /HTTP status: 5\d\d|\b50[0-4] (Internal Server Error|Bad Gateway|Service Unavailable|Gateway Timeout)|^unknown: /i.test(
      message,
    )
  )
    return 'server';
  if (/connection reset|broken pipe|\bEOF\b|server closed|GOAWAY/i.test(message)) return 'reset';
  if (/i\/o timeout|timeout awaiting|deadline exceeded/i.test(message)) return 'timeout';
  return 'other';
}

const CODES: Record<PushFailureKind, ErrorCode> = {
  auth: 'REGISTRY_AUTH',
  server: 'REGISTRY_ERROR',
  timeout: 'TIMEOUT',
  refused: 'REGISTRY_UNREACHABLE',
  reset: 'REGISTRY_UNREACHABLE',
  other: 'PUSH_FAILED',
};

/** The error for a failed push, with a hint for what failed (not always "log in"). */
export function pushError(
  image: string,
  host: string,
  failure: { readonly error: string; readonly kind: PushFailureKind; readonly attempts: number },
  options: { readonly hasCredentials: boolean; readonly idleTimeoutMs: number },
): ImagespecError {
  const tries = failure.attempts > 1 ? ` (${failure.attempts} attempts)` : '';
  return new ImagespecError(CODES[failure.kind], `Pushing ${image} to ${host} failed${tries}: ${failure.error}.`, {
    hint: pushHint(host, failure, options),
    details: { registry: host, registryMessage: failure.error, kind: failure.kind, attempts: failure.attempts },
  });
}

function pushHint(
  host: string,
  failure: { readonly kind: PushFailureKind; readonly attempts: number },
  options: { readonly hasCredentials: boolean; readonly idleTimeoutMs: number },
): string {
  switch (failure.kind) {
    case 'auth':
      return options.hasCredentials
        ? `The registry refused the credentials found for ${host}: check them in the Docker config or credential helper, and that they may push to this repository.`
        : `No credentials for ${host} were found; log in (docker login ${host}) or add them to the Docker config.`;
    case 'server':
      return `The registry at ${host} failed on its side (a server error), ${failure.attempts > 1 ? `on each of ${failure.attempts} attempts` : 'and it was not retried'}: check the registry's health and logs, then build again.`;
    case 'timeout':
      return `The registry at ${host} accepted the connection but stopped answering. Check the registry (and any proxy in front of it); raise pushIdleTimeoutMs in the docker builder's options (now ${options.idleTimeoutMs} ms) for a very slow link.`;
    case 'refused':
      return `Nothing answers at ${host}: the registry is down or the host/port is wrong. Start the registry or fix \`registry\` in the spec.`;
    case 'reset':
      return `The connection to ${host} was cut${failure.attempts > 1 ? ` on each of ${failure.attempts} attempts` : ''}: check the network and the registry, then build again.`;
    default:
      return `The engine could not push to ${host}; the registry's answer is above.`;
  }
}
