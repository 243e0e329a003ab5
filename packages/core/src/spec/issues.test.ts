import { describe, expect, it } from 'vitest';
import { formatIssuePath, suggestName } from './issues.js';
import { FLYTEKIT_ALIASES, SPEC_FIELDS } from './schema.js';

describe('issue helpers', () => {
  it('suggests the nearest field', () => {
    expect(suggestName('base_imag', [...SPEC_FIELDS, ...Object.keys(FLYTEKIT_ALIASES)])).toBe('base_image');
    expect(suggestName('BaseImage', SPEC_FIELDS)).toBe('baseImage');
    expect(suggestName('apt-packages', SPEC_FIELDS)).toBe('aptPackages');
    expect(suggestName('pakages', SPEC_FIELDS)).toBe('packages');
    expect(suggestName('color', SPEC_FIELDS)).toBeUndefined();
  });
  it('formats paths', () => {
    expect(formatIssuePath(['images', 'my-app', 'env', 'PATH'])).toBe('images["my-app"].env.PATH');
    expect(formatIssuePath(['packages', 2])).toBe('packages[2]');
    expect(formatIssuePath(['registries', 'localhost:5000', 'insecure'])).toBe('registries["localhost:5000"].insecure');
    expect(formatIssuePath(['builders', 1, 0])).toBe('builders[1][0]');
    expect(formatIssuePath([])).toBe('(root)');
  });
});
