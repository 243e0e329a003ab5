import { describe, expect, it } from 'vitest';
import { testSpec } from '../../test/test-spec.js';
import type { ResolvedImageSpec } from '../contract/spec.js';
import { applyConfigDefaults } from './apply-defaults.js';

describe('applyConfigDefaults', () => {
  it('fills registry, platform and builder only where the spec has none, base specs included', () => {
    const base = testSpec({ name: 'base' });
    const out = applyConfigDefaults(testSpec({ baseImage: base }), {
      defaults: { registry: 'ghcr.io/acme', platform: 'linux/amd64', builder: 'docker' },
    });
    expect(out.registry).toBe('ghcr.io/acme');
    expect(out.platforms).toEqual(['linux/amd64']);
    expect(out.builder).toBe('docker');
    expect((out.baseImage as ResolvedImageSpec).registry).toBe('ghcr.io/acme');
  });

  it('keeps the spec own values', () => {
    const out = applyConfigDefaults(testSpec({ registry: 'localhost:5000', platforms: ['linux/arm64'] }), {
      defaults: { registry: 'ghcr.io/acme', platform: ['linux/amd64'] },
    });
    expect(out.registry).toBe('localhost:5000');
    expect(out.platforms).toEqual(['linux/arm64']);
  });
});
