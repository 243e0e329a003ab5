import { ImagespecError, type ResolvedImageSpec, renderVerifyStage } from '@imagespec/core/builder';
import { describe, expect, it } from 'vitest';
import { verifyFailureOf } from './verify-failure.js';

const spec = { name: 'app', origin: { dir: '/' }, verify: ['true', 'grep -q x /f'] } as unknown as ResolvedImageSpec;
const request = { image: 'r.example/app:abc', spec };
const failed = (failedStep: string) =>
  new ImagespecError('BUILD_FAILED', 'Kaniko failed', {
    details: { pod: 'p-1', namespace: 'ci', exitCode: 1, failedStep, stepOutput: ['no x'] },
  });

describe('verifyFailureOf', () => {
  const dockerfile = renderVerifyStage('FROM base\nRUN make\n', spec);

  it('a failing RUN of the verify stage is VERIFY_FAILED with the command as the spec wrote it', () => {
    expect(verifyFailureOf(failed('RUN grep -q x /f'), request, dockerfile)).toMatchObject({
      code: 'VERIFY_FAILED',
      message: expect.stringContaining('(Kaniko pod ci/p-1)'),
      details: { command: 'grep -q x /f', exitCode: 1, output: ['no x'] },
    });
  });

  it('any other failure stays what it was', () => {
    expect(verifyFailureOf(failed('RUN make'), request, dockerfile)).toBeUndefined();
    expect(verifyFailureOf(new ImagespecError('TIMEOUT', 'slow'), request, dockerfile)).toBeUndefined();
    // The image runs the same line: it failed there, in the image stage.
    const same = renderVerifyStage('FROM base\nRUN true\n', spec);
    expect(verifyFailureOf(failed('RUN true'), request, same)).toBeUndefined();
  });
});
