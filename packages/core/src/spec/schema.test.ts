import { describe, expect, it } from 'vitest';
import { FLYTEKIT_ALIASES, imageSpecSchema, SPEC_FIELDS } from './schema.js';

describe('imageSpecSchema', () => {
  it('accepts every field of ImageSpecInput', () => {
    const full = {
      name: 'app',
      registry: 'localhost:5000',
      tagFormat: 'v-{hash}',
      tags: ['latest'],
      baseImage: { name: 'base', baseImage: 'busybox:1.36' },
      platform: ['linux/amd64'],
      pythonVersion: '3.12',
      packages: ['numpy'],
      requirements: 'requirements.txt',
      condaPackages: ['numpy'],
      condaChannels: ['conda-forge'],
      aptPackages: ['curl'],
      commands: ['true'],
      env: { A: '1', B: 2, C: false },
      copy: ['a', { src: 'b', dest: '/b' }],
      sourceRoot: '.',
      sourceCopyMode: 'none',
      entrypoint: 'run',
      cmd: ['x'],
      workdir: '/app',
      user: '1000:1000',
      labels: { 'org.opencontainers.image.title': 'app' },
      pipIndex: 'http://127.0.0.1/simple',
      pipExtraIndexUrl: 'http://127.0.0.1/extra',
      pipExtraArgs: '--pre',
      pipSecretMounts: [{ id: 'netrc', env: 'NETRC', target: '/root/.netrc' }],
      cuda: '12.4',
      cudnn: '9',
      verify: ['python -c "import numpy"'],
      builder: 'docker',
      builderOptions: { network: 'host' },
    };
    // A spec with its own Dockerfile takes the four Dockerfile fields instead of the Python layers.
    const dockerfileSpec = {
      name: 'web',
      dockerfile: 'Dockerfile',
      context: '.',
      target: 'runtime',
      buildArgs: { A: '1', B: 2, C: true },
    };
    expect([...new Set([...Object.keys(full), ...Object.keys(dockerfileSpec)])].sort()).toEqual(
      [...SPEC_FIELDS].sort(),
    );
    expect(imageSpecSchema.safeParse(full).success).toBe(true);
    expect(imageSpecSchema.safeParse(dockerfileSpec).success).toBe(true);
  });

  it('is strict about unknown keys', () => {
    const result = imageSpecSchema.safeParse({ name: 'app', color: 'blue' });
    expect(result.success).toBe(false);
  });
});

describe('FLYTEKIT_ALIASES', () => {
  it('maps flytekit names to ours', () => {
    expect(FLYTEKIT_ALIASES).toMatchObject({
      base_image: 'baseImage',
      pip_secret_mounts: 'pipSecretMounts',
      tag_format: 'tagFormat',
    });
  });
});
