import { describe, expect, it } from 'vitest';
import { isImagespecError } from '../errors.js';
import { imageSpec } from './fluent.js';
import { normalizeSpec } from './normalize.js';

describe('imageSpec', () => {
  it('returns a new object from every withX and never changes the receiver', () => {
    const base = imageSpec({ name: 'ml' }, { dir: '/work/app' }).withAptPackages('curl');
    const app = base.withName('app').withPackages('numpy', ['pandas']).withEnv({ A: '1' }).withEnv({ B: 2 });
    expect(base.input).toEqual({ name: 'ml', aptPackages: ['curl'] });
    expect(app.input).toEqual({
      name: 'app',
      aptPackages: ['curl'],
      packages: ['numpy', 'pandas'],
      env: { A: '1', B: 2 },
    });
    expect(app).not.toBe(base);
  });

  it('freezes its input deeply and copies what it was given', () => {
    const packages = ['numpy'];
    const spec = imageSpec({ name: 'app', packages, builderOptions: { nested: { a: 1 } } });
    packages.push('pandas');
    expect(spec.input.packages).toEqual(['numpy']);
    expect(Object.isFrozen(spec.input)).toBe(true);
    expect(Object.isFrozen(spec.input.packages)).toBe(true);
    expect(Object.isFrozen((spec.input.builderOptions as { nested: object }).nested)).toBe(true);
    expect(() => (spec.input.packages as string[]).push('x')).toThrow(TypeError);
  });

  it('appends lists, merges maps, replaces scalars', () => {
    const spec = imageSpec({ name: 'app', platform: 'linux/amd64' }, { dir: '/w' })
      .withCommands('echo 1')
      .withCommands(['echo 2', 'echo 3'])
      .withLabels({ a: '1' })
      .withLabels({ a: '2', b: '3' })
      .withPlatform('linux/arm64')
      .withCopy('data', { src: 'x', dest: '/x' })
      .withVerify('true')
      .withPipExtraArgs('--pre')
      .withPipExtraIndexUrl('http://127.0.0.1/a')
      .withPipSecretMounts({ env: 'NETRC', target: '/root/.netrc' })
      .withCondaChannels('conda-forge')
      .withCondaPackages('numpy')
      .withSource('.', 'all')
      .withEntrypoint(['python'])
      .withCmd('serve')
      .withWorkdir('/app')
      .withUser('1000')
      .withPipIndex('http://127.0.0.1/simple')
      .withCuda('12.4', '9')
      .withRegistry('localhost:5000')
      .withTagFormat('v-{hash}')
      .withPythonVersion('3.11')
      .withRequirements('requirements.txt')
      .withBuilder('docker', { network: 'host' })
      .withBuilder('docker', { pull: false });
    expect(spec.input).toEqual({
      name: 'app',
      platform: ['linux/arm64'],
      commands: ['echo 1', 'echo 2', 'echo 3'],
      labels: { a: '2', b: '3' },
      copy: ['data', { src: 'x', dest: '/x' }],
      verify: ['true'],
      pipExtraArgs: ['--pre'],
      pipExtraIndexUrl: ['http://127.0.0.1/a'],
      pipSecretMounts: [{ env: 'NETRC', target: '/root/.netrc' }],
      condaChannels: ['conda-forge'],
      condaPackages: ['numpy'],
      sourceRoot: '.',
      sourceCopyMode: 'all',
      entrypoint: ['python'],
      cmd: 'serve',
      workdir: '/app',
      user: '1000',
      pipIndex: 'http://127.0.0.1/simple',
      cuda: '12.4',
      cudnn: '9',
      registry: 'localhost:5000',
      tagFormat: 'v-{hash}',
      pythonVersion: '3.11',
      requirements: 'requirements.txt',
      builder: 'docker',
      builderOptions: { network: 'host', pull: false },
    });
    expect(spec.resolve()).toEqual(normalizeSpec(spec.input, { dir: '/w' }));
    expect(spec.resolve().copy).toEqual([
      { src: '/w/data', dest: '/app/data' },
      { src: '/w/x', dest: '/x' },
    ]);
  });

  it('embeds a base spec from another folder with its paths made absolute', () => {
    const base = imageSpec({ name: 'base', copy: ['conf'], requirements: 'requirements.txt' }, { dir: '/base' });
    const app = imageSpec({ name: 'app' }, { dir: '/app' }).withBaseImage(base);
    const resolved = app.resolve();
    expect(typeof resolved.baseImage === 'object' && resolved.baseImage.copy).toEqual([
      { src: '/base/conf', dest: '/root/conf' },
    ]);
    expect(typeof resolved.baseImage === 'object' && resolved.baseImage.requirements?.path).toBe(
      '/base/requirements.txt',
    );
    expect(app.withBaseImage('busybox:1.36').resolve().baseImage).toBe('busybox:1.36');
  });

  it('resolves once and throws SPEC_INVALID for invalid input', () => {
    const spec = imageSpec({ name: 'app' }, { dir: '/w' });
    expect(spec.resolve()).toBe(spec.resolve());
    try {
      spec.withAptPackages('Bad Name').resolve();
      expect.unreachable();
    } catch (error) {
      expect(isImagespecError(error) && error.code).toBe('SPEC_INVALID');
    }
  });

  it('defaults dir to the current directory', () => {
    expect(imageSpec({ name: 'app' }).dir).toBe(process.cwd());
  });
});
