import { ImagespecError } from '@imagespec/core/builder';
import { describe, expect, it } from 'vitest';
import { buildFailed, sessionLost } from './engine-errors.js';

const failed = (step: string, daemonMessage: string) =>
  new ImagespecError('BUILD_FAILED', 'Building x failed', { details: { step, daemonMessage } });

describe('sessionLost', () => {
  it('a Dockerfile or context load cut by the engine losing the session (seen with concurrent builds)', () => {
    for (const message of [
      'failed to solve with frontend dockerfile.v0: failed to read dockerfile: rpc error: code = Unavailable desc = transport is closing',
      'failed to read dockerfile: rpc error: code = Canceled desc = grpc: the client connection is closing',
      'failed to read dockerfile: no active session for 5fe0430b: context deadline exceeded',
      'failed to read dockerfile: context canceled',
    ]) {
      expect(sessionLost(failed('[internal] load build definition from Dockerfile', message))).toBe(true);
    }
    expect(sessionLost(failed('[internal] load .dockerignore', 'transport is closing'))).toBe(true);
  });

  it('not a failing RUN, another code, or an error without the details', () => {
    expect(sessionLost(failed('[2/3] RUN false', 'context canceled'))).toBe(false);
    expect(sessionLost(failed('[internal] load build definition from Dockerfile', 'dockerfile parse error'))).toBe(
      false,
    );
    expect(
      sessionLost(
        new ImagespecError('PULL_FAILED', 'x', {
          details: { step: '[internal] load metadata', daemonMessage: 'context canceled' },
        }),
      ),
    ).toBe(false);
    expect(sessionLost(new Error('transport is closing'))).toBe(false);
  });
});

describe('buildFailed', () => {
  it("a base image's pull is PULL_FAILED, or the registry's code; any other step BUILD_FAILED with its output", () => {
    const pull = (step: string, message: string) => buildFailed('app:1', { step, message, output: [] }).code;
    expect(pull('[1/3] FROM 127.0.0.1:5000/missing:1', 'failed to resolve: not found')).toBe('PULL_FAILED');
    expect(pull('', 'pull access denied for missing, repository does not exist')).toBe('REGISTRY_AUTH');
    expect(
      pull('[internal] load metadata for 127.0.0.1:5001/base:1', 'dial tcp 127.0.0.1:5001: connection refused'),
    ).toBe('REGISTRY_UNREACHABLE');
    const run = buildFailed('app:1', { step: '[2/3] RUN exit 7', message: 'exit code: 7', output: ['about to fail'] });
    expect(run.code).toBe('BUILD_FAILED');
    expect(run.message).toBe(
      'Building app:1 failed at step [2/3] RUN exit 7: exit code: 7.\nLast output:\n  about to fail',
    );
  });
});
