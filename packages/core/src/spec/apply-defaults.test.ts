import { describe, expect, it } from 'vitest';
import { applyConfigDefaults } from './apply-defaults.js';
import type { ResolvedImageSpec } from './types.js';

const spec = (overrides: Partial<ResolvedImageSpec> = {}): ResolvedImageSpec => ({
  name: 'app',
  tagFormat: '{hash}',
  baseImage: 'busybox:1',
  platforms: [],
  packages: [],
  condaPackages: [],
  condaChannels: [],
  aptPackages: [],
  commands: [],
  env: {},
  copy: [],
  sourceCopyMode: 'none',
  labels: {},
  pipExtraIndexUrl: [],
  pipExtraArgs: [],
  pipSecretMounts: [],
  verify: [],
  builderOptions: {},
  origin: { dir: '/tmp' },
  ...overrides,
});

describe('applyConfigDefaults', () => {
  it('fills registry, platform and builder only where the spec has none, base specs included', () => {
    const base = spec({ name: 'base' });
    const out = applyConfigDefaults(spec({ baseImage: base }), {
      defaults: { registry: 'ghcr.io/acme', platform: 'linux/amd64', builder: 'docker' },
    });
    expect(out.registry).toBe('ghcr.io/acme');
    expect(out.platforms).toEqual(['linux/amd64']);
    expect(out.builder).toBe('docker');
    expect((out.baseImage as ResolvedImageSpec).registry).toBe('ghcr.io/acme');
  });

  it('keeps the spec own values', () => {
    const out = applyConfigDefaults(spec({ registry: 'localhost:5000', platforms: ['linux/arm64'] }), {
      defaults: { registry: 'ghcr.io/acme', platform: ['linux/amd64'] },
    });
    expect(out.registry).toBe('localhost:5000');
    expect(out.platforms).toEqual(['linux/arm64']);
  });
});
