import { type ErrorCode, ImagespecError } from '@imagespec/core/builder';

/** The daemon's own words from a dockerode error (`json.message`), else the error's message. */
export function daemonMessage(error: unknown): string {
  const json = (error as { json?: unknown })?.json;
  if (typeof json === 'object' && json !== null && typeof (json as { message?: unknown }).message === 'string') {
    return (json as { message: string }).message;
  }
  if (typeof json === 'string' && json.trim() !== '') return json.trim();
  return error instanceof Error ? error.message : String(error);
}

/** True when the engine itself could not be reached (socket missing, refused, timed out). */
export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return (
    typeof code === 'string' &&
    ['ENOENT', 'ECONNREFUSED', 'EACCES', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'EPIPE'].includes(code)
  );
}

export function unreachable(engine: string, error: unknown): ImagespecError {
  return new ImagespecError('DAEMON_UNREACHABLE', `No Docker engine answers at ${engine}: ${daemonMessage(error)}.`, {
    hint: 'Start the Docker engine, or point the docker builder at one (builder options socketPath/host, or DOCKER_HOST).',
    cause: error,
    details: { engine },
  });
}

/** Picks the code for a registry-side failure from the registry's words as the engine relays them. */
export function registryErrorCode(message: string, fallback: ErrorCode): ErrorCode {
  if (/unauthorized|authentication required|no basic auth credentials|access.*denied|denied:/i.test(message))
    return 'REGISTRY_AUTH';
  if (/connection refused|no such host|i\/o timeout|dial tcp|connection reset|server misbehaving/i.test(message)) {
    return 'REGISTRY_UNREACHABLE';
  }
  return fallback;
}

/** A session build that failed loading its Dockerfile or context because the engine lost the session. */
export function sessionLost(error: unknown): boolean {
  const details = (error as { code?: string; details?: { step?: unknown; daemonMessage?: unknown } }).details;
  return (
    (error as { code?: string }).code === 'BUILD_FAILED' &&
    typeof details?.step === 'string' &&
    details.step.startsWith('[internal] load ') &&
    /transport is closing|client connection is closing|no active session|context canceled/.test(
      String(details.daemonMessage),
    )
  );
}

/** A failed step that is the pull of a base image (its FROM, or the engine's words for a missing or refused image). */
const PULL_FAILURE = /^\[?\d*\/?\d*\]? ?FROM |load metadata|pull access denied|manifest unknown|not found: manifest/i;

/** The error of a build the engine ran and that failed: a step's (BUILD_FAILED) or a base image's pull (PULL_FAILED, REGISTRY_*). */
export function buildFailed(
  image: string,
  error: { message: string; step?: string; output: readonly string[] },
): ImagespecError {
  const where = error.step ? ` at step ${error.step}` : '';
  const pull = PULL_FAILURE.test(`${error.step ?? ''} ${error.message}`);
  const code = pull ? registryErrorCode(error.message, 'PULL_FAILED') : 'BUILD_FAILED';
  return new ImagespecError(code, `Building ${image} failed${where}: ${error.message}.${formatOutput(error.output)}`, {
    hint: pull
      ? 'Check that the base image exists and that its registry is reachable with the configured credentials.'
      : 'Fix the failing step in the spec; its output is above.',
    details: { ...(error.step && { step: error.step }), daemonMessage: error.message, output: error.output },
  });
}

/** The last lines a failing command printed, for the end of an error message. */
function formatOutput(lines: readonly string[]): string {
  return lines.length === 0 ? '' : `\nLast output:\n${lines.map((line) => `  ${line}`).join('\n')}`;
}
