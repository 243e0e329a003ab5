import { chmod, cp, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageSpecInput, ResolvedImageSpec } from '../contract/spec.js';
import { imageSpec } from '../spec/fluent.js';
import { loadSpecFile } from '../spec/load.js';
import { normalizeSpec } from '../spec/normalize.js';
import { hashOf } from './hash.js';
import { computeHashInput } from './hash-input.js';
import { computeImageIdentity } from './identity.js';

const fixtures = fileURLToPath(new URL('../../test/fixtures/specs/', import.meta.url));

/** Hash of a spec without files (no copy/source/requirements), so it is pure. */
function pureHash(input: ImageSpecInput): string {
  const spec = normalizeSpec(input, { dir: '/x' });
  return hashOf(computeHashInput(spec, { baseImage: spec.baseImage as string, copy: [] }));
}

const base: ImageSpecInput = {
  name: 'app',
  packages: ['numpy==2.1.0', 'pandas', 'requests'],
  aptPackages: ['curl', 'git', 'wget'],
  condaPackages: ['samtools', 'zlib'],
  env: { A: '1', B: '2', C: '3' },
  labels: { x: '1', y: '2' },
  platform: ['linux/amd64', 'linux/arm64'],
};

describe('what does not change the hash', () => {
  it('the order of keys in the spec', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(Object.keys(base), { minLength: Object.keys(base).length }), (keys) => {
        const shuffled = Object.fromEntries(keys.map((key) => [key, base[key as keyof ImageSpecInput]]));
        const env = Object.fromEntries(Object.entries(base.env ?? {}).reverse());
        expect(pureHash({ ...(shuffled as unknown as ImageSpecInput), env })).toBe(pureHash(base));
      }),
    );
  });

  it('the order of (and duplicates in) package lists and platforms', () => {
    const lists = fc.record({
      packages: fc.shuffledSubarray([...base.packages!, 'pandas'], { minLength: 4 }),
      aptPackages: fc.shuffledSubarray([...base.aptPackages!], { minLength: 3 }),
      condaPackages: fc.shuffledSubarray([...base.condaPackages!], { minLength: 2 }),
      platform: fc.shuffledSubarray(base.platform as string[], { minLength: 2 }),
    });
    fc.assert(
      fc.property(lists, (shuffled) => {
        expect(pureHash({ ...base, ...shuffled })).toBe(pureHash(base));
      }),
    );
  });

  it('name, registry, tagFormat, builder, builderOptions', () => {
    const hash = pureHash(base);
    expect(pureHash({ ...base, name: 'other' })).toBe(hash);
    expect(pureHash({ ...base, registry: 'localhost:5000/team' })).toBe(hash);
    expect(pureHash({ ...base, tagFormat: 'v2-{hash}' })).toBe(hash);
    expect(pureHash({ ...base, builder: 'kaniko' })).toBe(hash);
    expect(pureHash({ ...base, builderOptions: { network: 'host', namespace: 'ci' } })).toBe(hash);
  });

  it('where a secret comes from (file or variable), but not where it is mounted', () => {
    const withSecret = (mount: Record<string, string>) =>
      pureHash({ ...base, pipSecretMounts: [{ target: '/root/.netrc', ...mount }] });
    expect(withSecret({ src: 'a/netrc' })).toBe(withSecret({ src: '/elsewhere/netrc' }));
    expect(withSecret({ src: 'a/netrc' })).toBe(withSecret({ env: 'NETRC' }));
    expect(withSecret({ src: 'a/netrc' })).not.toBe(withSecret({ src: 'a/netrc', target: '/etc/netrc' }));
  });

  it('the same spec written as YAML (flytekit names), JSON or through the fluent API', async () => {
    const dir = `${fixtures}flytekit`;
    const fromYaml = (await loadSpecFile(`${dir}/image-spec.yaml`)).specs[0]!;
    const fromJson = (await loadSpecFile(`${dir}/image-spec.json`)).specs[0]!;
    const fluent = imageSpec({ name: 'flyte-app' }, { dir })
      .withRegistry('localhost:5000/ml')
      .withBaseImage('python:3.10-slim')
      .withPythonVersion('3.10')
      .withPackages('scikit-learn[alldeps]>=1.4; python_version >= "3.9"', 'pandas==2.2.2', 'numpy>=1.26')
      .withAptPackages('git', 'curl')
      .withCondaChannels('conda-forge', 'bioconda')
      .withCondaPackages('conda-forge::samtools=1.19')
      .withRequirements('requirements.txt')
      .withEnv({ DEBUG: 1, MODE: 'train' })
      .withCommands('echo built > /built.txt')
      .withSource('src')
      .withPipIndex('http://127.0.0.1:8080/simple/')
      .withPipExtraIndexUrl('http://127.0.0.1:8081/simple/')
      .withPipExtraArgs('--no-cache-dir --pre')
      .withPipSecretMounts({ src: '.netrc', target: '/root/.netrc' })
      .withTagFormat('v1-{hash}')
      .withPlatform('linux/amd64', 'linux/arm64')
      .withEntrypoint(['python', '-m', 'app'])
      .withCuda('12.4')
      .resolve();
    const [yaml, json, api] = await Promise.all([fromYaml, fromJson, fluent].map((spec) => computeImageIdentity(spec)));
    expect(yaml?.tag).toMatch(/^v1-[a-z2-7]{26}$/);
    expect(json?.hash).toBe(yaml?.hash);
    expect(api?.hash).toBe(yaml?.hash);
    expect(api?.image).toBe(`localhost:5000/ml/flyte-app:${yaml?.tag}`);
  });
});

describe('what changes the hash', () => {
  it.each<[string, Partial<ImageSpecInput>]>([
    ['condaChannels order (channel priority)', { condaChannels: ['b', 'a'] }],
    ['commands order', { commands: ['echo b', 'echo a'] }],
    ['verify order', { verify: ['false', 'true'] }],
    ['pipExtraArgs order', { pipExtraArgs: ['--b', '--a'] }],
  ])('%s', (_, changed) => {
    const reversed = Object.fromEntries(
      Object.entries(changed).map(([key, value]) => [key, [...(value as string[])].reverse()]),
    ) as Partial<ImageSpecInput>;
    expect(pureHash({ ...base, ...changed })).not.toBe(pureHash({ ...base, ...reversed }));
  });

  it.each<[string, Partial<ImageSpecInput>]>([
    ['a package version', { packages: ['numpy==2.1.1', 'pandas', 'requests'] }],
    ['an env value', { env: { A: '1', B: '2', C: '4' } }],
    ['an env value type written differently but equal as text', { env: { A: 1, B: 2, C: 3 } }],
    ['the base image', { baseImage: 'python:3.11-slim' }],
    ['a label', { labels: { x: '1', y: '3' } }],
  ])('%s', (name, changed) => {
    const same = name.includes('equal as text');
    expect(pureHash({ ...base, ...changed }) === pureHash(base)).toBe(same);
  });
});

describe('file trees', () => {
  let work: string;
  let spec: ResolvedImageSpec;
  const hash = async (target = spec) => (await computeImageIdentity(target)).hash;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'imagespec-invariance-'));
    await writeFile(join(work, 'requirements.txt'), 'numpy\n');
    await cp(`${fixtures}multi/config`, join(work, 'project/config'), { recursive: true });
    await writeFile(join(work, 'project/run.sh'), 'echo run\n');
    await chmod(join(work, 'project/run.sh'), 0o644);
    spec = normalizeSpec({ name: 'app', requirements: 'requirements.txt', sourceRoot: 'project' }, { dir: work });
  });

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('ignores mtimes and the project folder location, sees content, modes, links and new files', async () => {
    const first = await hash();
    await utimes(join(work, 'project/run.sh'), new Date(0), new Date(0));
    expect(await hash()).toBe(first);

    const moved = `${work}-moved`;
    await cp(work, moved, { recursive: true });
    try {
      expect(
        await hash(
          normalizeSpec({ name: 'app', requirements: 'requirements.txt', sourceRoot: 'project' }, { dir: moved }),
        ),
      ).toBe(first);
    } finally {
      await rm(moved, { recursive: true, force: true });
    }

    await chmod(join(work, 'project/run.sh'), 0o755);
    const executable = await hash();
    expect(executable).not.toBe(first);

    await writeFile(join(work, 'project/run.sh'), 'echo changed\n');
    const edited = await hash();
    expect(edited).not.toBe(executable);

    await symlink('run.sh', join(work, 'project/link'));
    const linked = await hash();
    expect(linked).not.toBe(edited);
    await rm(join(work, 'project/link'));
    await symlink('config/app.toml', join(work, 'project/link'));
    expect(await hash()).not.toBe(linked);

    await writeFile(join(work, 'requirements.txt'), 'numpy==2\n');
    expect(await hash()).not.toBe(linked);
  });

  it('ignores files the .dockerignore leaves out of the context', async () => {
    const before = await hash();
    await writeFile(join(work, 'project/.dockerignore'), '*.log\n');
    const withIgnore = await hash();
    await writeFile(join(work, 'project/debug.log'), 'noise\n');
    expect(await hash()).toBe(withIgnore);
    expect(withIgnore).not.toBe(before);
  });
});
