import { ImagespecError } from '@imagespec/core';
import { describe, expect, it } from 'vitest';
import { EXIT_BAD_INPUT, EXIT_FAILED, exitCodeFor } from './main.js';

describe('exitCodeFor', () => {
  it('follows the error category', () => {
    expect(exitCodeFor(new ImagespecError('SPEC_INVALID', 'bad spec'))).toBe(EXIT_BAD_INPUT);
    expect(exitCodeFor(new ImagespecError('BUILD_FAILED', 'failed'))).toBe(EXIT_FAILED);
    expect(exitCodeFor(new Error('boom'))).toBe(EXIT_FAILED);
  });

  it("decides by core's codes when a plugin's serialized error lost its category", () => {
    // LOCK_STALE starts like the input code LOCK_INVALID but is a failed check.
    expect(exitCodeFor({ name: 'ImagespecError', code: 'LOCK_STALE' })).toBe(EXIT_FAILED);
    expect(exitCodeFor({ name: 'ImagespecError', code: 'LOCK_INVALID' })).toBe(EXIT_BAD_INPUT);
    expect(exitCodeFor({ name: 'ImagespecError', code: 'CONTEXT_ESCAPES' })).toBe(EXIT_BAD_INPUT);
    expect(exitCodeFor({ name: 'ImagespecError', code: 'NOT_A_CODE' })).toBe(EXIT_FAILED);
  });
});
