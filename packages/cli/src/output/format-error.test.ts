import { ImagespecError } from '@imagespec/core';
import { describe, expect, it } from 'vitest';
import { createColors } from './colors.js';
import { formatError } from './format-error.js';

describe('formatError', () => {
  it('masks URL credentials in the message, the hint and every cause', () => {
    const error = new ImagespecError('PUSH_FAILED', 'push to http://ci:s3cret@127.0.0.1:5000/app failed', {
      hint: 'check https://TOKEN@127.0.0.1/docs',
      cause: new Error('dial http://ci:s3cret@127.0.0.1:5000: refused'),
    });
    const text = formatError(error, createColors(false), false);
    expect(text).not.toMatch(/s3cret|TOKEN/);
    expect(text).toContain('http://ci:***@127.0.0.1:5000/app');
  });
});
