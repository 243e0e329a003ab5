import { describe, expect, it } from 'vitest';
import type { ImageSpecInput } from '../contract/spec.js';
import { isImagespecError } from '../errors.js';
import { defaultBaseImage, normalizeSpec } from './normalize.js';

const origin = { dir: '/project/specs' };

function issuesOf(input: unknown): unknown {
  try {
    normalizeSpec(input as ImageSpecInput, origin);
  } catch (error) {
    if (isImagespecError(error) && error.code === 'SPEC_INVALID') return error.message;
    throw error;
  }
  throw new Error('expected SPEC_INVALID');
}

describe('normalizeSpec', () => {
  it('fills defaults for a minimal spec', () => {
    expect(normalizeSpec({ name: 'app' }, origin)).toEqual({
      name: 'app',
      tagFormat: '{hash}',
      tags: [],
      baseImage: 'python:3.12-slim',
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
      origin,
    });
  });

  it('keeps extra tag templates in order without duplicates, and refuses ones that make no tag', () => {
    const spec = normalizeSpec({ name: 'app', tags: ['latest', 'git-{gitShortSha}', 'latest', '{hash}'] }, origin);
    expect(spec.tags).toEqual(['latest', 'git-{gitShortSha}', '{hash}']);
    const message = issuesOf({
      name: 'app',
      tags: ['ok', '-dash', 'v/{hash}', 'x-{branch}', `${'y'.repeat(100)}{gitSha}`],
    });
    expect(message as string).toContain('tags[1]: tag `-dash` does not yield a valid tag');
    expect(message as string).toContain('tags[2]: tag `v/{hash}` does not yield a valid tag');
    expect(message as string).toContain('tags[3]: tag `x-{branch}` names `{branch}`');
    // 100 + 40 characters once {gitSha} is filled in: over the 128 a tag may have.
    expect(message as string).toMatch(/tags\[4\]: tag `y+… \(108 characters\)` does not yield a valid tag/);
    expect(message as string).not.toContain('tags[0]');
  });

  it('builds the default base image from pythonVersion', () => {
    expect(defaultBaseImage(undefined)).toBe('python:3.12-slim');
    expect(normalizeSpec({ name: 'app', pythonVersion: '3.11' }, origin).baseImage).toBe('python:3.11-slim');
    expect(normalizeSpec({ name: 'app', pythonVersion: '3.11', baseImage: 'busybox' }, origin).baseImage).toBe(
      'busybox',
    );
  });

  it('sorts and de-duplicates unordered lists, keeps ordered ones', () => {
    const spec = normalizeSpec(
      {
        name: 'app',
        packages: ['pandas', ' numpy', 'numpy', 'Flask'],
        aptPackages: ['wget', 'curl', 'wget'],
        condaPackages: ['zlib', 'numpy'],
        condaChannels: ['pytorch', 'conda-forge', 'pytorch'],
        commands: ['echo b', 'echo a', 'echo b'],
        verify: ['python -c "import b"', 'true'],
        platform: ['linux/arm64', 'linux/amd64,linux/arm64'],
        pipExtraIndexUrl: ['http://127.0.0.1:2/simple', 'http://127.0.0.1:1/simple', 'http://127.0.0.1:2/simple'],
        pipExtraArgs: '--pre  --no-cache-dir',
      },
      origin,
    );
    expect(spec.packages).toEqual(['Flask', 'numpy', 'pandas']);
    expect(spec.aptPackages).toEqual(['curl', 'wget']);
    expect(spec.condaPackages).toEqual(['numpy', 'zlib']);
    expect(spec.condaChannels).toEqual(['pytorch', 'conda-forge']);
    expect(spec.commands).toEqual(['echo b', 'echo a', 'echo b']);
    expect(spec.verify).toEqual(['python -c "import b"', 'true']);
    expect(spec.platforms).toEqual(['linux/amd64', 'linux/arm64']);
    expect(spec.pipExtraIndexUrl).toEqual(['http://127.0.0.1:2/simple', 'http://127.0.0.1:1/simple']);
    expect(spec.pipExtraArgs).toEqual(['--pre', '--no-cache-dir']);
  });

  it('turns env and labels into sorted string maps', () => {
    const spec = normalizeSpec(
      { name: 'app', env: { Z: 1, A: true, M: 'x' }, labels: { 'org.b': '2', 'org.a': '1' } },
      origin,
    );
    expect(Object.entries(spec.env)).toEqual([
      ['A', 'true'],
      ['M', 'x'],
      ['Z', '1'],
    ]);
    expect(Object.keys(spec.labels)).toEqual(['org.a', 'org.b']);
  });

  it('resolves host paths against origin.dir and image paths against the workdir', () => {
    const spec = normalizeSpec(
      {
        name: 'app',
        requirements: '../uv.lock',
        sourceRoot: '..',
        copy: [
          'data/model.bin',
          './conf/',
          { src: '/abs/tool', dest: 'bin/tool' },
          { src: 'x', dest: '/opt/x/' },
          { src: 'lib/y' },
        ],
        workdir: '/app',
      },
      origin,
    );
    expect(spec.requirements).toEqual({ path: '/project/uv.lock', kind: 'uv.lock' });
    expect(spec.sourceRoot).toBe('/project');
    expect(spec.copy).toEqual([
      { src: '/project/specs/data/model.bin', dest: '/app/data/model.bin' },
      { src: '/project/specs/conf', dest: '/app/conf' },
      { src: '/abs/tool', dest: '/app/bin/tool' },
      { src: '/project/specs/x', dest: '/opt/x' },
      { src: '/project/specs/lib/y', dest: '/app/y' },
    ]);
    expect(normalizeSpec({ name: 'app', copy: ['a'] }, origin).copy[0]?.dest).toBe('/root/a');
  });

  it('infers the requirements kind from the file name', () => {
    expect(normalizeSpec({ name: 'a', requirements: 'requirements-gpu.txt' }, origin).requirements?.kind).toBe(
      'requirements.txt',
    );
    expect(normalizeSpec({ name: 'a', requirements: 'poetry.lock' }, origin).requirements?.kind).toBe('poetry.lock');
  });

  it('gives entrypoint and cmd as arrays; a string is shell form', () => {
    const spec = normalizeSpec({ name: 'a', entrypoint: ['python', '-m', 'app'], cmd: 'serve --port 80' }, origin);
    expect(spec.entrypoint).toEqual(['python', '-m', 'app']);
    expect(spec.cmd).toEqual(['/bin/sh', '-c', 'serve --port 80']);
  });

  it('defaults secret ids from the target and resolves file sources', () => {
    const spec = normalizeSpec(
      {
        name: 'a',
        pipSecretMounts: [
          { src: 'secrets/netrc', target: '/root/.netrc' },
          { id: 'pipconf', env: 'PIP_CONF', target: '/etc/pip.conf' },
        ],
      },
      origin,
    );
    expect(spec.pipSecretMounts).toEqual([
      { id: '.netrc', src: '/project/specs/secrets/netrc', target: '/root/.netrc' },
      { id: 'pipconf', env: 'PIP_CONF', target: '/etc/pip.conf' },
    ]);
  });

  it('normalizes an inline base spec too', () => {
    const spec = normalizeSpec({ name: 'app', baseImage: { name: 'base', packages: ['b', 'a'] } }, origin);
    expect(typeof spec.baseImage === 'object' && spec.baseImage.packages).toEqual(['a', 'b']);
  });

  it('returns a deeply frozen spec and leaves the input alone', () => {
    const input = { name: 'app', packages: ['b', 'a'], env: { A: '1' }, builderOptions: { nested: { x: 1 } } };
    const spec = normalizeSpec(input, origin);
    expect(Object.isFrozen(spec)).toBe(true);
    expect(Object.isFrozen(spec.packages)).toBe(true);
    expect(Object.isFrozen(spec.env)).toBe(true);
    expect(input.packages).toEqual(['b', 'a']);
    expect(Object.isFrozen(input.builderOptions.nested)).toBe(false);
  });

  it('reports every problem at once, each with its path', () => {
    expect(
      issuesOf({
        name: 'My App',
        tagFormat: 'latest',
        packages: ['ok', 'bad; rm -rf /', 42],
        aptPackages: ['curl', 'Curl'],
        env: { '1X': 'a', OK: 'line\nbreak' },
        copy: ['/etc/passwd', '../outside', { src: 'a', dst: 'b' }],
        requirements: 'deps.txt',
        pipSecretMounts: [{ target: '/root/.netrc' }, { src: 'a', env: 'B', target: 'relative' }],
        workdir: 'app',
        platform: 'linux',
        baseImage: { name: 'base', packages: ['-e .'] },
        entrypoint: 3,
        sourceCopyMode: 'some',
        pkgs: [],
        aptPackage: [],
      }),
    ).toMatchInlineSnapshot(`
      "Invalid image spec \`My App\` (21 problems):
        name: image name \`My App\` is not a repository name: lowercase letters, digits and . _ - separators, components joined by /
        tagFormat: tag format \`latest\` must contain \`{hash}\`
        baseImage.packages[0]: pip requirement starts with \`-\` (an option); pip options belong in \`pipExtraArgs\`
        platform: platform \`linux\` is not os/arch[/variant] (e.g. linux/amd64)
        packages[1]: pip requirement \`bad; rm -rf /\` has an invalid environment marker: unknown marker variable \`rm\`
        packages[2]: expected a string, got the number 42
        requirements: requirements file \`deps.txt\` must be named requirements*.txt, uv.lock or poetry.lock (its kind is read from its name)
        aptPackages[1]: apt package \`Curl\` is not a Debian package name (lowercase letters, digits, + . -; at least two characters; optional :arch and =version)
        env.OK: environment value contains a newline
        env["1X"]: environment variable name \`1X\` is not a POSIX name (letters, digits and _; not starting with a digit)
        copy[0]: copy path \`/etc/passwd\` is absolute; write it as { src, dest } to say where it goes in the image
        copy[1]: copy path \`../outside\` leaves the spec's folder; write it as { src, dest }
        copy[2].dst: unknown field \`dst\`
        sourceCopyMode: expected one of \`all\`, \`none\`, got \`some\`
        entrypoint: expected a string or a list, got the number 3
        workdir: workdir \`app\` must be an absolute path inside the image (start with /)
        pipSecretMounts[0]: a secret mount needs exactly one of \`src\` (a file) or \`env\` (a variable)
        pipSecretMounts[1].target: secret target \`relative\` must be an absolute path inside the image (start with /)
        pipSecretMounts[1]: a secret mount needs exactly one of \`src\` (a file) or \`env\` (a variable)
        pkgs: unknown field \`pkgs\`; did you mean \`tags\`?
        aptPackage: unknown field \`aptPackage\`; did you mean \`aptPackages\`?"
    `);
  });

  it('says what is missing', () => {
    expect(issuesOf({})).toMatchInlineSnapshot(`
      "Invalid image spec (1 problem):
        name: is required"
    `);
    expect(issuesOf({ name: 'a', tagFormat: '{hash}:x' })).toMatchInlineSnapshot(`
      "Invalid image spec \`a\` (1 problem):
        tagFormat: tag format \`{hash}:x\` does not yield a valid tag (up to 128 of letters, digits, _ . -; not starting with . or -)"
    `);
  });

  it('puts the issues in details for --json', () => {
    try {
      normalizeSpec({ name: 'app', aptPackages: ['A'] }, { dir: '/x', file: '/x/spec.yaml' });
      expect.unreachable();
    } catch (error) {
      expect(isImagespecError(error) && error.details).toEqual({
        file: '/x/spec.yaml',
        issues: [
          { path: 'aptPackages[0]', message: expect.stringContaining('Debian package name'), file: '/x/spec.yaml' },
        ],
      });
    }
  });
});
