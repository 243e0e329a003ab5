import { type ErrorCode, ImagespecError, isAbortError, isImagespecError } from '../errors.js';
import type { ManifestCheck } from '../registry/client.js';

/** A registry that gave no usable answer: the image is neither skipped nor built. */
export function unknownAnswer(image: string, check: Extract<ManifestCheck, { status: 'unknown' }>): ImagespecError {
  const status = check.httpStatus;
  const code: ErrorCode =
    status === 401 || status === 403
      ? 'REGISTRY_AUTH'
      : status === undefined
        ? 'REGISTRY_UNREACHABLE'
        : 'REGISTRY_ERROR';
  return new ImagespecError(
    code,
    `Cannot tell whether ${image} is in its registry, so it was not built: ${check.reason}`,
    {
      hint:
        code === 'REGISTRY_AUTH'
          ? 'Log in to the registry (docker login) or configure its credential helper, then run again.'
          : 'Check that the registry is up and reachable from here, then run again. An unknown answer is never taken as "absent".',
      details: { image, ...(status !== undefined && { httpStatus: status }) },
    },
  );
}

export function throwIfAborted(signal: AbortSignal, image: string): void {
  if (signal.aborted) throw cancelled(image, signal);
}

export function cancelled(image: string, signal: AbortSignal): ImagespecError {
  return new ImagespecError('CANCELLED', `The build of ${image} was cancelled.`, { cause: signal.reason });
}

/** Whatever a build threw, as an ImagespecError: CANCELLED after an abort, BUILD_FAILED for a plain Error. */
export function toImagespecError(
  error: unknown,
  image: string,
  signal: AbortSignal,
  builder: string | undefined,
): ImagespecError {
  if (isAbortError(error) || (signal.aborted && !isImagespecError(error))) {
    return isImagespecError(error) ? error : cancelled(image, signal);
  }
  if (isImagespecError(error)) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new ImagespecError(
    'BUILD_FAILED',
    `${builder ? `Builder "${builder}"` : 'The build'} failed for ${image}: ${reason}`,
    {
      hint: builder
        ? `This error comes from the "${builder}" builder; run with --debug for its log.`
        : 'Run with --debug for details.',
      cause: error,
    },
  );
}
