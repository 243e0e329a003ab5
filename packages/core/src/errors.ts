/**
 * Every error imagespec raises on purpose is an ImagespecError: a stable `code`, a
 * one-paragraph `message` (what and where), an optional `hint` (how to fix) and the
 * `cause` chain. Library code never decides exit codes: the CLI maps `category`.
 *
 * Plugins may bring their own copy of core, so never test with `instanceof`: use
 * `isImagespecError`, which checks the shape.
 */

/** Input errors are the user's to fix (exit 2); build errors are failures of a run (exit 1). */
export type ErrorCategory = 'input' | 'build' | 'internal';

export const ERROR_CODES = {
  // bad input: spec, config, flags, plugin packages
  SPEC_INVALID: 'input',
  SPEC_SYNTAX: 'input',
  SPEC_NOT_FOUND: 'input',
  SPEC_CYCLE: 'input',
  CONFIG_INVALID: 'input',
  CONFIG_NOT_FOUND: 'input',
  CONFIG_LOAD_FAILED: 'input',
  FLAG_INVALID: 'input',
  IMAGE_REF_INVALID: 'input',
  PLUGIN_NOT_INSTALLED: 'input',
  PLUGIN_INVALID: 'input',
  PLUGIN_OPTIONS_INVALID: 'input',
  PLUGIN_DUPLICATE: 'input',
  BUILDER_NOT_FOUND: 'input',
  FILE_NOT_FOUND: 'input',
  LOCK_INVALID: 'input',
  /** A FIFO, socket, device or symlink loop where a file is read: refused rather than read (it could block forever). */
  FILE_NOT_REGULAR: 'input',
  /** A copy entry, sourceRoot or requirements path that leads outside the project through a symlink. */
  CONTEXT_ESCAPES: 'input',
  /** A `.dockerignore` line Docker cannot compile (an unclosed `[`). */
  IGNORE_FILE_INVALID: 'input',
  // failures of a run
  BUILDER_UNAVAILABLE: 'build',
  BUILDER_UNSUPPORTED: 'build',
  BUILD_FAILED: 'build',
  /** A file of the build context changed after the tag was computed: the build stops before it can push. */
  CONTEXT_CHANGED: 'build',
  /** A file exists but cannot be read (permissions, I/O error). */
  FILE_UNREADABLE: 'build',
  VERIFY_FAILED: 'build',
  PUSH_FAILED: 'build',
  PULL_FAILED: 'build',
  REGISTRY_UNREACHABLE: 'build',
  REGISTRY_AUTH: 'build',
  REGISTRY_ERROR: 'build',
  CREDENTIALS_FAILED: 'build',
  DAEMON_UNREACHABLE: 'build',
  DAEMON_ERROR: 'build',
  LOCK_STALE: 'build',
  LINT_FAILED: 'build',
  TIMEOUT: 'build',
  CANCELLED: 'build',
  INTERNAL: 'internal',
} as const satisfies Record<string, ErrorCategory>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ImagespecErrorOptions {
  hint?: string;
  cause?: unknown;
  /** Structured facts for `--json` output and tests (field path, file:line:col, status...). */
  details?: Record<string, unknown>;
}

export class ImagespecError extends Error {
  override readonly name = 'ImagespecError';
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: ImagespecErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
    this.details = options.details;
  }

  get category(): ErrorCategory {
    return errorCategory(this.code);
  }
}

/** Shape check that works across copies of core (plugins may bundle their own). */
export function isImagespecError(value: unknown): value is ImagespecError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { name?: unknown }).name === 'ImagespecError' &&
    typeof (value as { code?: unknown }).code === 'string' &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}

export function errorCategory(code: string): ErrorCategory {
  return (ERROR_CODES as Record<string, ErrorCategory>)[code] ?? 'internal';
}

/** True for an AbortSignal-caused rejection (ours or the platform's AbortError). */
export function isAbortError(value: unknown): boolean {
  if (isImagespecError(value)) return value.code === 'CANCELLED';
  return typeof value === 'object' && value !== null && (value as { name?: unknown }).name === 'AbortError';
}
