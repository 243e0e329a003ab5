import { ImagespecError } from '@imagespec/core/builder';
import type { FailedStep } from './progress.js';

/**
 * Turns a failed buildctl run into one ImagespecError, in buildctl's and buildkitd's own
 * words. The classification reads the texts they print: gRPC connection errors for an
 * unreachable daemon, Go's TLS/x509 errors, the registry's 401/403/denied answers on push,
 * and for a failing step the vertex error (`process "..." did not complete successfully:
 * exit code: N`) together with that step's last output lines.
 */

export interface BuildctlFailure {
  readonly image: string;
  readonly addr: string;
  readonly buildctl: string;
  readonly exitCode?: number;
  readonly signal?: string;
  readonly timedOut?: boolean;
  readonly timeoutMs?: number;
  readonly canceled?: boolean;
  /** The spawn itself failed (ENOENT: no such binary). */
  readonly spawnError?: { readonly code?: string; readonly message: string };
  /** buildctl's plain-text stderr lines (not progress JSON). */
  readonly stderrTail: readonly string[];
  readonly failedSteps: readonly FailedStep[];
  readonly logTail: (stepId: string) => readonly string[];
}

const TLS =
  /x509:|tls:|certificate|authentication handshake failed|does not look like a TLS handshake|could not read ca|failed to append ca certs|could not load client key pair/i;
const UNREACHABLE =
  /dial (unix|tcp)|error while dialing|failed to dial|connection refused|code = Unavailable|\bUnavailable\b|no such host|context deadline exceeded|i\/o timeout|transport is closing|connection reset/i;
const DENIED =
  /\b401\b|\b403\b|unauthorized|insufficient_scope|denied|authorization failed|failed to authorize|authentication required/i;
const HTTP_TO_HTTPS = /server gave HTTP response to HTTPS client/i;
const PULL = /failed to resolve source metadata|load metadata for|failed to load cache key|pull access denied/i;
const CANCELED = /context canceled/i;

const DAEMON_HINT =
  'Start buildkitd, or point the builder at a running one with the `addr` option or BUILDKIT_HOST (e.g. tcp://buildkitd:1234, docker-container://buildkitd).';

/** Why the daemon cannot be used, from buildctl's stderr; undefined when the text says neither. */
export function classifyDaemonText(text: string): 'tls' | 'unreachable' | undefined {
  // Once the solve ran, TLS and dial errors are the registry's, not the daemon connection's.
  if (/failed to solve/i.test(text)) return undefined;
  if (TLS.test(text)) return 'tls';
  if (UNREACHABLE.test(text)) return 'unreachable';
  return undefined;
}

/** buildctl's own summary: its last `error: ...` line, else its last plain lines. */
export function buildctlWords(stderrTail: readonly string[]): string {
  const errorLine = [...stderrTail].reverse().find((line) => line.startsWith('error: '));
  if (errorLine) return errorLine.slice('error: '.length);
  return stderrTail.slice(-3).join(' ').trim();
}

export function interpretBuildctlFailure(failure: BuildctlFailure): ImagespecError {
  const where = `building ${failure.image} on buildkitd at ${failure.addr}`;
  const details = { image: failure.image, addr: failure.addr, exitCode: failure.exitCode, signal: failure.signal };
  if (failure.spawnError) {
    const missing = failure.spawnError.code === 'ENOENT';
    return new ImagespecError(
      'BUILDER_UNAVAILABLE',
      missing
        ? `buildctl was not found (looked for "${failure.buildctl}"${failure.buildctl.includes('/') ? '' : ' on PATH'}).`
        : `Could not start buildctl ("${failure.buildctl}"): ${failure.spawnError.message}`,
      {
        hint: 'Install buildctl (it ships with BuildKit releases) or set the builder option `buildctl` to its path.',
        details,
      },
    );
  }
  if (failure.canceled)
    return new ImagespecError('CANCELLED', `Cancelled ${where}; buildctl was stopped.`, { details });
  if (failure.timedOut) {
    return new ImagespecError('TIMEOUT', `Timed out after ${failure.timeoutMs} ms ${where}; buildctl was stopped.`, {
      hint: 'Raise the builder option `timeoutMs`, or set it to 0 for no limit.',
      details,
    });
  }
  const step = rootCause(failure.failedSteps);
  if (step) return stepError(step, failure, where, details);

  const words = buildctlWords(failure.stderrTail) || describeExit(failure);
  const daemon = classifyDaemonText(words);
  if (daemon === 'tls') {
    return new ImagespecError('DAEMON_UNREACHABLE', `TLS with buildkitd at ${failure.addr} failed: ${words}`, {
      hint: "Check the builder's `tls` options (ca, cert, key, serverName, or dir) against the certificates buildkitd serves and expects.",
      details: { ...details, reason: 'tls' },
    });
  }
  if (daemon === 'unreachable') {
    return new ImagespecError('DAEMON_UNREACHABLE', `Cannot reach buildkitd at ${failure.addr}: ${words}`, {
      hint: DAEMON_HINT,
      details: { ...details, reason: 'unreachable' },
    });
  }
  if (HTTP_TO_HTTPS.test(words) || DENIED.test(words)) return pushError(words, failure, details);
  return new ImagespecError('BUILD_FAILED', `buildctl failed ${where}: ${words}`, { details });
}

function stepError(step: FailedStep, failure: BuildctlFailure, where: string, details: Record<string, unknown>) {
  const isExport = step.name.startsWith('exporting');
  if (isExport && (DENIED.test(step.error) || HTTP_TO_HTTPS.test(step.error) || /push/i.test(step.error))) {
    return pushError(step.error, failure, { ...details, step: step.name });
  }
  if (PULL.test(step.name) || PULL.test(step.error)) {
    return new ImagespecError(
      'PULL_FAILED',
      `Pulling the base image failed while ${where} (step "${step.name}"): ${step.error}`,
      {
        hint: HTTP_TO_HTTPS.test(step.error)
          ? 'buildkitd speaks HTTPS to registries unless its own config (buildkitd.toml, [registry."host"] http = true) says otherwise.'
          : 'Check that the base image exists and that buildkitd can reach its registry with the credentials given.',
        details: { ...details, step: step.name },
      },
    );
  }
  const exitCode = Number(/exit code: (\d+)/.exec(step.error)?.[1] ?? Number.NaN);
  const lastLines = failure.logTail(step.id).slice(-10);
  const output =
    lastLines.length > 0 ? ` Last output of the step:\n${lastLines.map((line) => `    ${line}`).join('\n')}` : '';
  const exit = Number.isNaN(exitCode) ? '' : ` with exit code ${exitCode}`;
  return new ImagespecError(
    'BUILD_FAILED',
    `Step "${step.name}" failed${exit} while ${where}: ${step.error}.${output}`,
    {
      hint: 'Fix the failing step in the spec; its last output is above.',
      details: {
        ...details,
        step: step.name,
        ...(!Number.isNaN(exitCode) && { stepExitCode: exitCode }),
        lastLogLines: lastLines,
      },
    },
  );
}

function pushError(words: string, failure: BuildctlFailure, details: Record<string, unknown>) {
  const hint = HTTP_TO_HTTPS.test(words)
    ? `The registry speaks plain HTTP: mark it insecure in the imagespec config (registries: { '<host>': { insecure: true } }).`
    : 'Check the credentials for the registry (docker login, or the credential helper in ~/.docker/config.json) and that they may push to this repository.';
  return new ImagespecError('PUSH_FAILED', `Pushing ${failure.image} failed (buildkitd at ${failure.addr}): ${words}`, {
    hint,
    details,
  });
}

/** The first real error: siblings cancelled because of it only say "context canceled". */
export function rootCause(steps: readonly FailedStep[]): FailedStep | undefined {
  return steps.find((step) => !CANCELED.test(step.error)) ?? steps[0];
}

function describeExit(failure: BuildctlFailure): string {
  if (failure.signal) return `buildctl was terminated by ${failure.signal}`;
  return `buildctl exited with code ${failure.exitCode ?? 'unknown'} and printed no error`;
}
