import type { ResolvedImageSpec } from '../src/contract/spec.js';

/** A minimal resolved spec for unit tests; fields as the normalizer would produce them. */
export function testSpec(overrides: Partial<ResolvedImageSpec> = {}): ResolvedImageSpec {
  return {
    name: 'app',
    tagFormat: '{hash}',
    tags: [],
    baseImage: '127.0.0.1:5000/imagespec-test/busybox:1',
    platforms: [],
    packages: [],
    condaPackages: [],
    condaChannels: [],
    aptPackages: [],
    commands: [],
    env: {},
    copy: [],
    sourceCopyMode: 'all',
    labels: {},
    pipExtraIndexUrl: [],
    pipExtraArgs: [],
    pipSecretMounts: [],
    verify: [],
    builderOptions: {},
    origin: { dir: '/project', file: '/project/imagespec.yaml' },
    ...overrides,
  };
}
