import { describe, expect, it } from 'vitest';
import type { FailedStep } from './progress.js';
import { findVerifyFailure } from './verify-failure.js';

const step = (
  name: string,
  error = 'process "/bin/sh -c x" did not complete successfully: exit code: 7',
): FailedStep => ({
  id: `sha256:${name.length}`,
  name,
  error,
});
const tail = () => ['line 1', 'line 2'];

describe('findVerifyFailure', () => {
  const commands = ['a', 'b $HOME', 'c'];

  it('finds the command by its step number, whether or not FROM counts as a step', () => {
    expect(findVerifyFailure([step('[imagespec-verify 2/3] RUN b /root')], commands, tail)).toEqual({
      command: 'b $HOME',
      exitCode: 7,
      output: ['line 1', 'line 2'],
    });
    expect(findVerifyFailure([step('[imagespec-verify 3/4] RUN b /root')], commands, tail)?.command).toBe('b $HOME');
  });

  it('reads the platform prefix and the padding of ten steps or more', () => {
    const many = Array.from({ length: 12 }, (_, i) => `check ${i}`);
    expect(findVerifyFailure([step('[linux/arm64 imagespec-verify  9/12] RUN check 8')], many, tail)?.command).toBe(
      'check 8',
    );
  });

  it('takes the root cause, not a sibling cancelled because of it', () => {
    const steps = [step('[imagespec-verify 1/3] RUN a', 'context canceled'), step('[imagespec-verify 3/3] RUN c')];
    expect(findVerifyFailure(steps, commands, tail)?.command).toBe('c');
  });

  it('is undefined for a failure outside the verify stage', () => {
    expect(findVerifyFailure([step('[imagespec-image 2/5] RUN pip install x')], commands, tail)).toBeUndefined();
    expect(findVerifyFailure([step('[internal] load metadata for r/x:1')], commands, tail)).toBeUndefined();
    expect(findVerifyFailure([], commands, tail)).toBeUndefined();
  });
});
