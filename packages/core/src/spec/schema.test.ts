import { describe, expect, it } from 'vitest';
import { FLYTEKIT_ALIASES, imageSpecJsonSchema, imageSpecSchema, SPEC_FIELDS } from './schema.js';

describe('imageSpecSchema', () => {
  it('accepts every field of ImageSpecInput', () => {
    const full = {
      name: 'app',
      registry: 'localhost:5000',
      tagFormat: 'v-{hash}',
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
    expect(Object.keys(full).sort()).toEqual([...SPEC_FIELDS].sort());
    expect(imageSpecSchema.safeParse(full).success).toBe(true);
  });

  it('is strict about unknown keys', () => {
    const result = imageSpecSchema.safeParse({ name: 'app', color: 'blue' });
    expect(result.success).toBe(false);
  });
});

describe('imageSpecJsonSchema', () => {
  it('describes a single spec or an images map, snake_case names included', () => {
    type ObjectSchema = { properties: Record<string, unknown>; additionalProperties: boolean };
    const schema = imageSpecJsonSchema() as {
      anyOf: (ObjectSchema | { $ref: string })[];
      $defs: Record<string, ObjectSchema>;
    };
    expect(schema.anyOf).toEqual([{ $ref: '#/$defs/ImageSpec' }, expect.objectContaining({ type: 'object' })]);
    const single = schema.$defs.ImageSpec;
    const multi = schema.anyOf[1] as ObjectSchema;
    expect(single?.additionalProperties).toBe(false);
    for (const field of [...SPEC_FIELDS, ...Object.keys(FLYTEKIT_ALIASES)])
      expect(single?.properties).toHaveProperty(field);
    expect(Object.keys(multi?.properties ?? {})).toEqual(['images']);
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
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
