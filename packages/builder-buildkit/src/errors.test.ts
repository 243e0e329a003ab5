import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isImagespecError } from '@imagespec/core';
import { describe, expect, it } from 'vitest';
import { type BuildctlFailure, classifyDaemonText, interpretBuildctlFailure } from './errors.js';
import { createRawJsonParser, type FailedStep } from './progress.js';

const FIXTURES = fileURLToPath(new URL('../test/fixtures/', import.meta.url));

const base: BuildctlFailure = {
  image: '127.0.0.1:5000/app:3kq',
  addr: 'tcp://buildkitd:1234',
  buildctl: 'buildctl',
  exitCode: 1,
  stderrTail: [],
  failedSteps: [],
  logTail: () => [],
};

const fromText = (line: string, extra: Partial<BuildctlFailure> = {}) =>
  interpretBuildctlFailure({ ...base, stderrTail: [line], ...extra });

// Texts in the shape buildctl prints them (its `error: ` prefix around gRPC's and Go's words,
// as quoted in BuildKit issues); the failing-RUN case uses the real recording.
const UNREACHABLE_UNIX =
  'error: failed to get status: rpc error: code = Unavailable desc = connection error: desc = "transport: error while dialing: dial unix /run/buildkit/buildkitd.sock: connect: no such file or directory"';
const UNREACHABLE_TCP =
  'error: failed to list workers: Unavailable: connection error: desc = "transport: Error while dialing: dial tcp 10.0.0.7:1234: connect: connection refused"';
const TLS_UNKNOWN_CA =
  'error: failed to list workers: Unavailable: connection error: desc = "transport: authentication handshake failed: tls: failed to verify certificate: x509: certificate signed by unknown authority"';

describe('buildctl failures', () => {
  it('a failing RUN (recorded): step, exit code and the step’s last output lines', () => {
    const parser = createRawJsonParser();
    for (const line of readFileSync(`${FIXTURES}progress-rawjson-failed.ndjson`, 'utf8').split('\n')) parser.line(line);
    const error = interpretBuildctlFailure({
      ...base,
      image: 'localhost:5000/fx/bad:v1',
      stderrTail: parser.plainTail,
      failedSteps: parser.failedSteps,
      logTail: parser.logTail,
    });
    expect(isImagespecError(error)).toBe(true);
    expect(error.code).toBe('BUILD_FAILED');
    expect(error.message).toMatchInlineSnapshot(`
      "Step "[2/2] RUN echo about to fail; exit 3" failed with exit code 3 while building localhost:5000/fx/bad:v1 on buildkitd at tcp://buildkitd:1234: process "/bin/sh -c echo about to fail; exit 3" did not complete successfully: exit code: 3. Last output of the step:
          about to fail"
    `);
    expect(error.details).toMatchObject({
      step: '[2/2] RUN echo about to fail; exit 3',
      stepExitCode: 3,
      lastLogLines: ['about to fail'],
    });
  });

  it('takes the root cause, not the siblings cancelled because of it', () => {
    const steps: FailedStep[] = [
      { id: 'a', name: '[2/3] RUN sleep 10', error: 'context canceled' },
      {
        id: 'b',
        name: '[3/3] RUN false',
        error: 'process "/bin/sh -c false" did not complete successfully: exit code: 1',
      },
    ];
    const error = interpretBuildctlFailure({ ...base, failedSteps: steps });
    expect(error.details).toMatchObject({ step: '[3/3] RUN false', stepExitCode: 1 });
  });

  it.each([UNREACHABLE_UNIX, UNREACHABLE_TCP])('daemon unreachable: %s', (line) => {
    const error = fromText(line);
    expect(error.code).toBe('DAEMON_UNREACHABLE');
    expect(error.details?.reason).toBe('unreachable');
    expect(error.message).toContain('Cannot reach buildkitd at tcp://buildkitd:1234: ');
    expect(error.message).toContain(line.slice('error: '.length));
    expect(error.hint).toContain('BUILDKIT_HOST');
  });

  it('TLS failure', () => {
    const error = fromText(TLS_UNKNOWN_CA);
    expect(error.code).toBe('DAEMON_UNREACHABLE');
    expect(error.details?.reason).toBe('tls');
    expect(error.message).toMatchInlineSnapshot(
      `"TLS with buildkitd at tcp://buildkitd:1234 failed: failed to list workers: Unavailable: connection error: desc = "transport: authentication handshake failed: tls: failed to verify certificate: x509: certificate signed by unknown authority""`,
    );
    expect(error.hint).toContain('`tls`');
    expect(classifyDaemonText('open /certs/ca.pem: could not read ca certificate')).toBe('tls');
    // After the solve started, a certificate error is a registry's.
    expect(
      classifyDaemonText('failed to solve: failed to do request: x509: certificate signed by unknown authority'),
    ).toBe(undefined);
  });

  it('push denied by the registry', () => {
    const error = interpretBuildctlFailure({
      ...base,
      failedSteps: [
        {
          id: 'x',
          name: 'exporting to image',
          error:
            'failed to push 127.0.0.1:5001/app:3kq: failed to authorize: failed to fetch anonymous token: unexpected status from GET request to http://127.0.0.1:5001/token: 401 Unauthorized',
        },
      ],
    });
    expect(error.code).toBe('PUSH_FAILED');
    expect(error.message).toContain('401 Unauthorized');
    expect(error.hint).toContain('credentials');
    expect(fromText('error: failed to solve: server message: insufficient_scope: authorization failed').code).toBe(
      'PUSH_FAILED',
    );
  });

  it('push to a plain-HTTP registry not marked insecure', () => {
    const error = interpretBuildctlFailure({
      ...base,
      failedSteps: [
        {
          id: 'x',
          name: 'exporting to image',
          error:
            'failed to push 127.0.0.1:5000/app:3kq: failed to do request: Head "https://127.0.0.1:5000/v2/app/blobs/sha256:00": http: server gave HTTP response to HTTPS client',
        },
      ],
    });
    expect(error.code).toBe('PUSH_FAILED');
    expect(error.hint).toContain('insecure: true');
  });

  it('a base image that cannot be pulled', () => {
    const error = interpretBuildctlFailure({
      ...base,
      failedSteps: [
        {
          id: 'm',
          name: '[internal] load metadata for 127.0.0.1:5000/nope:1',
          error: '127.0.0.1:5000/nope:1: not found',
        },
      ],
    });
    expect(error.code).toBe('PULL_FAILED');
    expect(error.details?.step).toBe('[internal] load metadata for 127.0.0.1:5000/nope:1');
  });

  it('buildctl missing, cancelled, timed out, killed, or silent', () => {
    expect(fromText('', { spawnError: { code: 'ENOENT', message: 'spawn buildctl ENOENT' } })).toMatchObject({
      code: 'BUILDER_UNAVAILABLE',
      message: 'buildctl was not found (looked for "buildctl" on PATH).',
    });
    expect(fromText('error: context canceled', { canceled: true }).code).toBe('CANCELLED');
    expect(fromText('', { timedOut: true, timeoutMs: 600000 }).code).toBe('TIMEOUT');
    expect(interpretBuildctlFailure({ ...base, exitCode: undefined, signal: 'SIGKILL' }).message).toContain(
      'buildctl was terminated by SIGKILL',
    );
    expect(interpretBuildctlFailure({ ...base, exitCode: 2 }).message).toContain(
      'exited with code 2 and printed no error',
    );
  });

  it('any other buildctl error keeps its words', () => {
    const error = fromText(
      'error: failed to solve: failed to read dockerfile: open Dockerfile: no such file or directory',
    );
    expect(error.code).toBe('BUILD_FAILED');
    expect(error.message).toContain('failed to read dockerfile: open Dockerfile: no such file or directory');
  });
});
