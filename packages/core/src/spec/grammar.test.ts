import { describe, expect, it } from 'vitest';
import {
  requirementsKindOf,
  validateAptPackage,
  validateBaseImageRef,
  validateCondaChannel,
  validateCondaPackage,
  validateConfigValue,
  validateEnvName,
  validateImageName,
  validateLabelKey,
  validatePipArg,
  validatePipRequirement,
  validatePlatform,
  validateRegistry,
  validateTag,
  validateUrl,
} from './grammar.js';
import { commandRefusal, dockerPathRefusal } from './instruction-rules.js';

describe('validatePipRequirement', () => {
  it.each([
    'numpy',
    'numpy==1.26.4',
    'numpy >= 1.26, < 2',
    'Django~=4.2',
    'requests[security,socks]>=2.31',
    'name (>=1.0)',
    'torch===2.3.0+cpu',
    'pandas; python_version < "3.12"',
    "pywin32; sys_platform == 'win32' and (platform_machine == 'x86_64' or platform_machine == 'AMD64')",
    'pkg @ https://127.0.0.1/pkg-1.0-py3-none-any.whl',
    'pkg @ git+https://127.0.0.1/repo.git@v1.0 ; python_version >= "3.8"',
    'a.b_c-d!=1.*',
    'extra-dep; extra == "gpu"',
  ])('accepts %s', (value) => {
    expect(validatePipRequirement(value)).toBeUndefined();
  });

  it.each([
    ['', 'empty'],
    ['numpy; rm -rf /', 'marker'],
    ['numpy && curl evil', '`&`'],
    ['numpy\nRUN evil', 'newline'],
    ['$(evil)', '`$`'],
    ['`evil`', 'backtick'],
    ['-r requirements.txt', 'option'],
    ['--index-url=http://x', 'option'],
    ['numpy>>1', 'invalid version'],
    ['numpy==1.0 extra', 'version'],
    ['numpy[', 'extras'],
    ['numpy; python_version < "3.8" or', 'marker'],
    ['numpy; unknown_var == "x"', 'marker variable'],
    ["numpy; os_name == 'a$b'", '`$`'],
    ['./local/path', 'is a path'],
    ['/abs/pkg.whl', 'is a path'],
    ['git+https://127.0.0.1/repo.git', 'name @ git+https'],
    ['pkg @ file:///x y', 'URL'],
    ['numpy | tee', '`|`'],
    ['numpy > /tmp/x', 'version'],
  ])('rejects %j (%s)', (value, reason) => {
    const message = validatePipRequirement(value);
    expect(message).toBeTypeOf('string');
    if (reason !== 'backtick') expect(message).toContain(reason);
  });

  it('explains what it rejects', () => {
    expect(validatePipRequirement('numpy; rm -rf /')).toMatchInlineSnapshot(
      `"pip requirement \`numpy; rm -rf /\` has an invalid environment marker: unknown marker variable \`rm\`"`,
    );
    expect(validatePipRequirement('-e .')).toMatchInlineSnapshot(
      `"pip requirement starts with \`-\` (an option); pip options belong in \`pipExtraArgs\`"`,
    );
    expect(validatePipRequirement('numpy\n')).toMatchInlineSnapshot(
      `"pip requirement contains a newline, which no pip requirement needs"`,
    );
  });
});

describe('validateAptPackage', () => {
  it.each([
    'curl',
    'libssl3',
    'g++',
    'python3.11-venv',
    'libc6:amd64',
    'curl=7.88.1-10+deb12u5',
    'ca-certificates/bookworm',
    'libc6:i386=2.36-9',
  ])('accepts %s', (value) => expect(validateAptPackage(value)).toBeUndefined());
  it.each([
    'Curl',
    'a',
    'curl wget',
    '-y',
    '--no-install-recommends',
    'curl;evil',
    'curl=',
    'curl=$(x)',
    'curl\n',
    '.hidden',
    'curl=abc',
  ])('rejects %j', (value) => expect(validateAptPackage(value)).toBeTypeOf('string'));
  it('explains', () => {
    expect(validateAptPackage('curl wget')).toMatchInlineSnapshot(
      `"apt package \`curl wget\` contains whitespace; list each package separately"`,
    );
    expect(validateAptPackage('Curl')).toMatchInlineSnapshot(
      `"apt package \`Curl\` is not a Debian package name (lowercase letters, digits, + . -; at least two characters; optional :arch and =version)"`,
    );
  });
});

describe('validateCondaPackage', () => {
  it.each([
    'numpy',
    'numpy=1.26',
    'numpy==1.26.4',
    'numpy>=1.26,<2',
    'numpy 1.26.*',
    'numpy 1.26.4 py311h64a7726_0',
    'conda-forge::samtools=1.19',
    'pytorch=2.3=*cuda*',
    "pytorch[version='>=2.0', build=cuda*]",
    'python_abi',
  ])('accepts %s', (value) => expect(validateCondaPackage(value)).toBeUndefined());
  it.each([
    '',
    '-c conda-forge',
    'numpy;evil',
    'numpy $(x)',
    'numpy && x',
    'numpy\n',
    'numpy (x)',
    'numpy[version=1',
    '::numpy',
  ])('rejects %j', (value) => expect(validateCondaPackage(value)).toBeTypeOf('string'));
  it('accepts channels by name or URL', () => {
    expect(validateCondaChannel('conda-forge')).toBeUndefined();
    expect(validateCondaChannel('pytorch/label/nightly')).toBeUndefined();
    expect(validateCondaChannel('http://127.0.0.1:8000/channel')).toBeUndefined();
    expect(validateCondaChannel('ftp://127.0.0.1/channel')).toMatchInlineSnapshot(
      `"conda channel \`ftp://127.0.0.1/channel\` must be an http, https or file URL"`,
    );
    expect(validateCondaChannel('a b')).toBeTypeOf('string');
  });
});

describe('small grammars', () => {
  it('env names are POSIX names', () => {
    for (const ok of ['PATH', '_X', 'a1_B']) expect(validateEnvName(ok)).toBeUndefined();
    for (const bad of ['1A', 'A-B', 'A B', '', 'A=B', 'A$']) expect(validateEnvName(bad)).toBeTypeOf('string');
  });
  it('label keys are reverse-DNS style, dev.imagespec.* reserved', () => {
    for (const ok of ['org.opencontainers.image.source', 'maintainer', 'team/owner', 'a_b-c'])
      expect(validateLabelKey(ok)).toBeUndefined();
    for (const bad of ['', '.x', 'x.', 'a b', 'a"b', 'dev.imagespec.hash'])
      expect(validateLabelKey(bad)).toBeTypeOf('string');
    expect(validateLabelKey('dev.imagespec.hash')).toMatchInlineSnapshot(
      `"label key \`dev.imagespec.hash\` is reserved for imagespec (\`dev.imagespec.*\`)"`,
    );
  });
  it('pip args are single shell-free words', () => {
    for (const ok of ['--pre', '--no-cache-dir', '--config-settings=editable_mode=compat'])
      expect(validatePipArg(ok)).toBeUndefined();
    for (const bad of ['', '--x;y', '--x $(y)', '--x\ny', "--x='y'"]) expect(validatePipArg(bad)).toBeTypeOf('string');
  });
  it('platforms, names, registries, tags', () => {
    expect(validatePlatform('linux/arm64/v8')).toBeUndefined();
    expect(validatePlatform('linux')).toBeTypeOf('string');
    expect(validateImageName('team/app-1')).toBeUndefined();
    expect(validateImageName('App')).toMatchInlineSnapshot(
      `"image name \`App\` is not a repository name: lowercase letters, digits and . _ - separators, components joined by / (try \`app\`)"`,
    );
    expect(validateRegistry('localhost:5000')).toBeUndefined();
    expect(validateRegistry('ghcr.io/acme/ml')).toBeUndefined();
    expect(validateRegistry('[::1]:5000')).toBeUndefined();
    expect(validateRegistry('http://ghcr.io')).toBeTypeOf('string');
    expect(validateTag('v1-abc_DEF.2')).toBeUndefined();
    expect(validateTag('-x')).toBeTypeOf('string');
    expect(validateTag('x'.repeat(129))).toBeTypeOf('string');
  });
  it('requirements kind comes from the file name', () => {
    expect(requirementsKindOf('/a/requirements.txt')).toBe('requirements.txt');
    expect(requirementsKindOf('requirements-dev.txt')).toBe('requirements.txt');
    expect(requirementsKindOf('x/uv.lock')).toBe('uv.lock');
    expect(requirementsKindOf('poetry.lock')).toBe('poetry.lock');
    expect(requirementsKindOf('deps.txt')).toBeUndefined();
    expect(requirementsKindOf('pyproject.toml')).toBeUndefined();
  });
});

describe('what the real build refuses, refused at validation (one rule for every command)', () => {
  it('refuses characters beyond ASCII in package names, naming a no-break space', () => {
    expect(validatePipRequirement('numpy\u00a0==1.26')).toBe(
      'pip requirement contains a no-break space (U+00A0), which no pip requirement needs',
    );
    expect(validateCondaPackage('numpy\u00a01.26')).toMatch(/no-break space/);
    expect(validateAptPackage('curl\u200b')).toMatch(/U\+200B/);
    expect(validatePipRequirement('a; python_version == "<<"')).toMatch(/heredoc/);
  });

  it('refuses the Unicode line breaks in values that reach ENV and LABEL lines', () => {
    for (const char of ['\u0085', '\u2028', '\u2029', '\r'])
      expect(validateConfigValue(`a${char}b`, 'environment value')).toMatch(/^environment value contains /);
  });

  it('refuses package specs over 2,048 characters before any grammar reads them', () => {
    expect(validateCondaPackage(`${'a'.repeat(30_000)}^`)).toBe(
      'conda package is 30,001 characters long; at most 2,048',
    );
    expect(validatePipRequirement(`pkg @ https://127.0.0.1/${'a'.repeat(2000)}.whl`)).toBeUndefined();
  });

  it('limits registry ports to 1-65535 and registry/name to 255 characters', () => {
    expect(validateRegistry('localhost:99999999999')).toBe(
      'registry `localhost:99999999999` has the port 99999999999; a port is a number from 1 to 65535',
    );
    expect(validateRegistry('localhost:0/team')).toMatch(/port 0/);
    expect(validateRegistry('localhost:65535/team')).toBeUndefined();
    expect(validateImageName('a'.repeat(256))).toMatch(/256 characters long; a registry takes at most 255/);
    expect(validateImageName('a'.repeat(255))).toBeUndefined();
  });

  it('checks base images with the parser every other module uses', () => {
    expect(validateBaseImageRef('BUSYBOX')).toBe(
      'base image `BUSYBOX` is not an image reference: the repository "BUSYBOX" must be lowercase (use "busybox")',
    );
    expect(validateBaseImageRef('localhost:5000/busybox:1.36')).toBeUndefined();
  });

  it.each([
    ['/a b', {}, /whitespace/],
    ['/a$b', {}, /"\$"/],
    ['/a"b', { spaces: true }, /"\\""/],
    ['a*b', { source: true, spaces: true }, /glob/],
    ['/a\u2028b', { spaces: true }, /line separator/],
  ])('refuses the path %j (%j)', (path, options, problem) => {
    expect(dockerPathRefusal(path, options)?.problem).toMatch(problem);
  });

  it.each([
    ['-x', /RUN flag/],
    ['echo \\', /backslash/],
    ['cat <<EOF', /heredoc/],
    ['["sh"]', /JSON array/],
    ['a\u0085b', /next-line/],
  ])('refuses the command %j', (command, problem) => {
    expect(commandRefusal(command)?.problem).toMatch(problem);
  });
});

describe('credentials in URLs', () => {
  it('refuses them in index URLs, conda channels and pip requirement URLs, masking the password', () => {
    const index = validateUrl('http://user:PASS@127.0.0.1/simple', 'pip index');
    expect(index).toMatch(/^pip index `http:\/\/user:\*\*\*@127\.0\.0\.1\/simple` holds credentials .*pipSecretMounts/);
    expect(index).not.toContain('PASS');
    expect(validateCondaChannel('https://TOKEN@127.0.0.1/channel')).toMatch(/conda channel `https:\/\/\*\*\*@/);
    expect(validatePipRequirement('pkg @ git+https://user:PASS@127.0.0.1/repo.git')).toMatch(/holds credentials/);
    expect(validateUrl('http://127.0.0.1:8080/simple', 'pip index')).toBeUndefined();
  });
});
