import { describe, expect, it } from 'vitest';
import { errorCategory, ImagespecError, isImagespecError } from './errors.js';

describe('ImagespecError', () => {
  it('carries code, hint and cause, and is recognized by shape across copies of core', () => {
    const cause = new Error('root');
    const error = new ImagespecError('SPEC_INVALID', 'bad spec', { hint: 'fix it', cause });
    expect(error.code).toBe('SPEC_INVALID');
    expect(error.hint).toBe('fix it');
    expect(error.cause).toBe(cause);
    expect(error.category).toBe('input');
    const foreign = { name: 'ImagespecError', code: 'BUILD_FAILED', message: 'from another copy of core' };
    expect(isImagespecError(foreign)).toBe(true);
    expect(isImagespecError(new Error('plain'))).toBe(false);
  });

  it('maps unknown codes to internal', () => {
    expect(errorCategory('NOPE')).toBe('internal');
    expect(errorCategory('BUILD_FAILED')).toBe('build');
  });
});
