import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isImagespecError } from '../errors.js';
import { MAX_NESTING_DEPTH } from './limits.js';
import { loadSpecFile, parseSpecText } from './load.js';

const fixtures = fileURLToPath(new URL('../../test/fixtures/specs/', import.meta.url));

/** The error a call throws, with the fixture folder shortened so snapshots are machine-independent. */
async function failure(run: () => unknown): Promise<{ code: string; message: string; details: unknown }> {
  try {
    await run();
  } catch (error) {
    if (!isImagespecError(error)) throw error;
    const clean = (text: string) => text.replaceAll(fixtures, '<fixtures>/').replaceAll('/virtual/', '<virtual>/');
    return {
      code: error.code,
      message: clean(error.message),
      details: JSON.parse(clean(JSON.stringify(error.details ?? {}))),
    };
  }
  throw new Error('expected an error');
}

const yaml = (text: string) => parseSpecText(text, { file: '/virtual/spec.yaml', format: 'yaml' });

describe('loadSpecFile', () => {
  it('reads a flytekit ImageSpec YAML file unchanged', async () => {
    const { specs } = await loadSpecFile(`${fixtures}flytekit/image-spec.yaml`);
    expect(specs).toHaveLength(1);
    const spec = specs[0]!;
    expect({ ...spec, origin: undefined }).toEqual({
      name: 'flyte-app',
      registry: 'localhost:5000/ml',
      tagFormat: 'v1-{hash}',
      tags: [],
      baseImage: 'python:3.10-slim',
      platforms: ['linux/amd64', 'linux/arm64'],
      pythonVersion: '3.10',
      packages: ['numpy>=1.26', 'pandas==2.2.2', 'scikit-learn[alldeps]>=1.4; python_version >= "3.9"'],
      requirements: { path: `${fixtures}flytekit/requirements.txt`, kind: 'requirements.txt' },
      condaPackages: ['conda-forge::samtools=1.19'],
      condaChannels: ['conda-forge', 'bioconda'],
      aptPackages: ['curl', 'git'],
      commands: ['echo built > /built.txt'],
      env: { DEBUG: '1', MODE: 'train' },
      copy: [],
      sourceRoot: `${fixtures}flytekit/src`,
      sourceCopyMode: 'all',
      entrypoint: ['python', '-m', 'app'],
      labels: {},
      pipIndex: 'http://127.0.0.1:8080/simple/',
      pipExtraIndexUrl: ['http://127.0.0.1:8081/simple/'],
      pipExtraArgs: ['--no-cache-dir', '--pre'],
      pipSecretMounts: [{ id: '.netrc', src: `${fixtures}flytekit/.netrc`, target: '/root/.netrc' }],
      cuda: '12.4',
      verify: [],
      builder: 'docker',
      builderOptions: { network: 'host', retries: 3 },
      origin: undefined,
    });
    expect(spec.origin).toEqual({ file: `${fixtures}flytekit/image-spec.yaml`, dir: `${fixtures}flytekit` });
  });

  it('reads the same spec from JSON written in camelCase', async () => {
    const fromYaml = (await loadSpecFile(`${fixtures}flytekit/image-spec.yaml`)).specs[0]!;
    const fromJson = (await loadSpecFile(`${fixtures}flytekit/image-spec.json`)).specs[0]!;
    expect({ ...fromJson, origin: null }).toEqual({ ...fromYaml, origin: null });
  });

  it('orders a multi-spec file bases first and links `baseImage: <key>` to that spec', async () => {
    const { specs } = await loadSpecFile(`${fixtures}multi/images.yaml`);
    expect(specs.map((spec) => [spec.origin.key, spec.name])).toEqual([
      ['base', 'ml-base'],
      ['app', 'app'],
      ['tool', 'tool'],
    ]);
    const [base, app, tool] = specs;
    expect(app?.baseImage).toBe(base);
    expect(tool?.baseImage).toBe('busybox:1.36');
    expect(app?.copy).toEqual([{ src: `${fixtures}multi/config/app.toml`, dest: '/root/config/app.toml' }]);
  });

  it('names the chain of a cycle', async () => {
    expect(await failure(() => loadSpecFile(`${fixtures}cycle/images.yaml`))).toMatchInlineSnapshot(`
      {
        "code": "SPEC_CYCLE",
        "details": {
          "cycle": [
            "a",
            "b",
            "c",
            "a",
          ],
          "file": "<fixtures>/cycle/images.yaml",
        },
        "message": "Specs in <fixtures>/cycle/images.yaml:2:8 build on each other in a cycle: a -> b -> c -> a",
      }
    `);
  });

  it('reports every problem of a file at its line and column, with did-you-mean', async () => {
    expect(await failure(() => loadSpecFile(`${fixtures}invalid/spec.yaml`))).toMatchInlineSnapshot(`
      {
        "code": "SPEC_INVALID",
        "details": {
          "file": "<fixtures>/invalid/spec.yaml",
          "issues": [
            {
              "column": 1,
              "file": "<fixtures>/invalid/spec.yaml",
              "line": 1,
              "message": "image name \`App\` is not a repository name: lowercase letters, digits and . _ - separators, components joined by / (try \`app\`)",
              "path": "name",
            },
            {
              "column": 5,
              "file": "<fixtures>/invalid/spec.yaml",
              "line": 5,
              "message": "pip requirement \`requests; rm -rf /\` has an invalid environment marker: unknown marker variable \`rm\`",
              "path": "packages[1]",
            },
            {
              "column": 5,
              "file": "<fixtures>/invalid/spec.yaml",
              "line": 6,
              "message": "pip requirement starts with \`-\` (an option); pip options belong in \`pipExtraArgs\`",
              "path": "packages[2]",
            },
            {
              "column": 1,
              "file": "<fixtures>/invalid/spec.yaml",
              "line": 7,
              "message": "unknown field \`apt_pakages\`; did you mean \`apt_packages\`?",
              "path": "apt_pakages",
            },
            {
              "column": 3,
              "file": "<fixtures>/invalid/spec.yaml",
              "line": 9,
              "message": "environment variable name \`1BAD\` is not a POSIX name (letters, digits and _; not starting with a digit)",
              "path": "env["1BAD"]",
            },
            {
              "column": 5,
              "file": "<fixtures>/invalid/spec.yaml",
              "line": 11,
              "message": "copy path \`/etc/passwd\` is absolute; write it as { src, dest } to say where it goes in the image",
              "path": "copy[0]",
            },
            {
              "column": 1,
              "file": "<fixtures>/invalid/spec.yaml",
              "line": 12,
              "message": "tag format \`latest\` must contain \`{hash}\`",
              "path": "tagFormat",
            },
            {
              "column": 1,
              "file": "<fixtures>/invalid/spec.yaml",
              "line": 13,
              "message": "requirements file \`deps.txt\` must be named requirements*.txt, uv.lock or poetry.lock (its kind is read from its name)",
              "path": "requirements",
            },
          ],
        },
        "message": "Invalid image spec \`App\` in <fixtures>/invalid/spec.yaml (8 problems):
        <fixtures>/invalid/spec.yaml:1:1 name: image name \`App\` is not a repository name: lowercase letters, digits and . _ - separators, components joined by / (try \`app\`)
        <fixtures>/invalid/spec.yaml:5:5 packages[1]: pip requirement \`requests; rm -rf /\` has an invalid environment marker: unknown marker variable \`rm\`
        <fixtures>/invalid/spec.yaml:6:5 packages[2]: pip requirement starts with \`-\` (an option); pip options belong in \`pipExtraArgs\`
        <fixtures>/invalid/spec.yaml:7:1 apt_pakages: unknown field \`apt_pakages\`; did you mean \`apt_packages\`?
        <fixtures>/invalid/spec.yaml:9:3 env["1BAD"]: environment variable name \`1BAD\` is not a POSIX name (letters, digits and _; not starting with a digit)
        <fixtures>/invalid/spec.yaml:11:5 copy[0]: copy path \`/etc/passwd\` is absolute; write it as { src, dest } to say where it goes in the image
        <fixtures>/invalid/spec.yaml:12:1 tagFormat: tag format \`latest\` must contain \`{hash}\`
        <fixtures>/invalid/spec.yaml:13:1 requirements: requirements file \`deps.txt\` must be named requirements*.txt, uv.lock or poetry.lock (its kind is read from its name)",
      }
    `);
  });

  it('says when the file does not exist', async () => {
    expect(await failure(() => loadSpecFile(`${fixtures}nope/spec.yaml`))).toMatchInlineSnapshot(`
      {
        "code": "SPEC_NOT_FOUND",
        "details": {
          "file": "<fixtures>/nope/spec.yaml",
        },
        "message": "Spec file <fixtures>/nope/spec.yaml does not exist",
      }
    `);
  });
});

describe('parseSpecText', () => {
  it('reports YAML syntax errors at file:line:column', async () => {
    expect(await failure(() => yaml('name: app\npackages: [numpy\nenv: {}\n'))).toMatchInlineSnapshot(`
      {
        "code": "SPEC_SYNTAX",
        "details": {
          "column": 1,
          "file": "<virtual>/spec.yaml",
          "issues": [
            {
              "column": 1,
              "file": "<virtual>/spec.yaml",
              "line": 3,
              "message": "Flow sequence in block collection must be sufficiently indented and end with a ]",
              "path": "(root)",
            },
          ],
          "line": 3,
        },
        "message": "<virtual>/spec.yaml:3:1: Flow sequence in block collection must be sufficiently indented and end with a ]",
      }
    `);
    expect((await failure(() => yaml('name: a\nname: b\n'))).message).toMatchInlineSnapshot(
      `
      "Invalid image spec \`a\` in <virtual>/spec.yaml (1 problem):
        <virtual>/spec.yaml:1:1 name: \`name\` is written twice in one map (line 1 and line 2); keep one of them"
    `,
    );
  });

  it('reports JSON syntax errors with a position', async () => {
    const error = await failure(() =>
      parseSpecText('{\n  "name": "app",\n}', { file: '/virtual/spec.json', format: 'json' }),
    );
    expect(error.code).toBe('SPEC_SYNTAX');
    expect(error.message).toMatch(/^<virtual>\/spec\.json:2:16: a comma before the closing bracket/);
  });

  it('locates validation problems in JSON too', async () => {
    const error = await failure(() =>
      parseSpecText('{\n  "name": "app",\n  "aptPackages": ["ok", "Bad"]\n}', {
        file: '/virtual/spec.json',
        format: 'json',
      }),
    );
    expect(error.message).toMatchInlineSnapshot(`
      "Invalid image spec \`app\` in <virtual>/spec.json (1 problem):
        <virtual>/spec.json:3:25 aptPackages[1]: apt package \`Bad\` is not a Debian package name (lowercase letters, digits, + . -; at least two characters; optional :arch and =version)"
    `);
  });

  it('rejects a file that is empty or not a map', async () => {
    expect((await failure(() => yaml(''))).message).toMatchInlineSnapshot(`
      "Invalid image spec in <virtual>/spec.yaml (1 problem):
        <virtual>/spec.yaml:1:1 (root): the file is empty"
    `);
    expect((await failure(() => yaml('- a\n- b\n'))).message).toMatchInlineSnapshot(`
      "Invalid image spec in <virtual>/spec.yaml (1 problem):
        <virtual>/spec.yaml:1:1 (root): a spec file holds a map of fields (or \`images:\`)"
    `);
  });

  it('keeps unquoted numbers as written where text is expected, and real numbers in builderOptions', () => {
    const [spec] = yaml(
      'name: app\npython_version: 3.10\nuser: 1000\nenv: { N: 1.50 }\nbuilderOptions: { timeout: 1.50 }\n',
    ).specs;
    expect(spec?.pythonVersion).toBe('3.10');
    expect(spec?.user).toBe('1000');
    expect(spec?.env).toEqual({ N: '1.50' });
    expect(spec?.builderOptions).toEqual({ timeout: 1.5 });
  });

  it('drops null fields (flytekit writes unset fields as null) and follows anchors', () => {
    const [spec] = yaml('name: app\ncuda: null\napt_packages: &apt [curl]\ncommands: null\nverify: ["true"]\n').specs;
    expect(spec?.cuda).toBeUndefined();
    expect(spec?.aptPackages).toEqual(['curl']);
    const file = yaml('images:\n  a: { aptPackages: &apt [curl, git] }\n  b: { aptPackages: *apt }\n');
    expect(file.specs.map((s) => s.aptPackages)).toEqual([
      ['curl', 'git'],
      ['curl', 'git'],
    ]);
  });

  it('refuses a field given in both spellings and flytekit fields imagespec cannot honour', async () => {
    expect(
      (
        await failure(() =>
          yaml('name: app\nbase_image: a:1\nbaseImage: b:1\nregistry_config: /x.json\nsource_copy_mode: ALL\n'),
        )
      ).message,
    ).toMatchInlineSnapshot(`
      "Invalid image spec \`app\` in <virtual>/spec.yaml (2 problems):
        <virtual>/spec.yaml:3:1 baseImage: \`baseImage\` repeats \`base_image\`; keep one of them
        <virtual>/spec.yaml:4:1 registry_config: flytekit field \`registry_config\` is not supported: imagespec reads registry credentials from ~/.docker/config.json; remove \`registry_config\`"
    `);
  });

  it('reports issues inside a multi-spec file under images.<key>', async () => {
    expect(
      (
        await failure(() =>
          yaml(
            'images:\n  app:\n    baseImage: base\n    packages: [ok]\n  base:\n    apt_packages: [Curl]\nextra: 1\n',
          ),
        )
      ).message,
    ).toMatchInlineSnapshot(`
      "Invalid image spec in <virtual>/spec.yaml (2 problems):
        <virtual>/spec.yaml:6:20 images.base.apt_packages[0]: apt package \`Curl\` is not a Debian package name (lowercase letters, digits, + . -; at least two characters; optional :arch and =version)
        <virtual>/spec.yaml:7:1 extra: unknown field \`extra\`: a file with \`images\` holds only \`images\`"
    `);
  });

  it('locates any path it read', () => {
    const file = yaml('images:\n  app:\n    packages:\n      - numpy\n      - pandas\n');
    expect(file.locate(['images', 'app', 'packages', 1])).toEqual({ line: 5, column: 9 });
    expect(file.locate(['images', 'app'])).toEqual({ line: 2, column: 3 });
  });

  it('treats a base that is a key of the same file as that spec, and an inline base as a spec', () => {
    const [spec] = yaml('name: app\nbaseImage:\n  name: base\n  base_image: busybox\n  apt_packages: [curl]\n').specs;
    expect(typeof spec?.baseImage === 'object' && spec.baseImage.aptPackages).toEqual(['curl']);
  });
});

describe('hostile and odd files (no field vanishes, nothing runs away)', () => {
  const json = (text: string) => parseSpecText(text, { file: '/virtual/spec.json', format: 'json' });
  const base = 'name: app\nbaseImage: busybox:1\n';

  it('refuses an alias to an anchor that was never defined, at its path', async () => {
    expect((await failure(() => yaml(`${base}packages: *nope\nverify: [*gone]\n`))).message).toMatchInlineSnapshot(`
      "Invalid image spec \`app\` in <virtual>/spec.yaml (2 problems):
        <virtual>/spec.yaml:3:1 packages: the alias \`*nope\` names no anchor; define \`&nope\` before it, or write the value out
        <virtual>/spec.yaml:4:10 verify[0]: the alias \`*gone\` names no anchor; define \`&gone\` before it, or write the value out"
    `);
  });

  it('refuses an alias into the value that holds it instead of expanding it forever', async () => {
    const error = await failure(() => yaml(`${base}env: &e\n  A: *e\n`));
    expect(error.message).toContain('env.A: the alias `*e` refers to a value that contains it');
  });

  it('stops a billion-laughs file at the alias limit, naming it', async () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (const name of 'bcdefghi') {
      const previous = String.fromCharCode(name.charCodeAt(0) - 1);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(', ')}]`);
    }
    const error = await failure(() => yaml(`${levels.join('\n')}\n`));
    expect(error.code).toBe('SPEC_INVALID');
    expect(error.message).toMatch(/^<virtual>\/spec\.yaml:5:8 e\[0\]: the YAML aliases .* more than 10,000 values/);
  });

  it('keeps a `__proto__` env variable as data and refuses Object.prototype names as fields', async () => {
    const [spec] = yaml(`${base}env:\n  __proto__: x\n  A: b\n`).specs;
    expect(Object.entries(spec!.env)).toEqual([
      ['A', 'b'],
      ['__proto__', 'x'],
    ]);
    const error = await failure(() =>
      yaml(`${base}constructor: 1\ntoString: 2\n__proto__: 3\nlabels: {__proto__: x}\n`),
    );
    expect(error.message).not.toContain('native code');
    expect(error.message).toMatchInlineSnapshot(`
      "Invalid image spec \`app\` in <virtual>/spec.yaml (4 problems):
        <virtual>/spec.yaml:3:1 constructor: unknown field \`constructor\`
        <virtual>/spec.yaml:4:1 toString: unknown field \`toString\`
        <virtual>/spec.yaml:5:1 __proto__: unknown field \`__proto__\`
        <virtual>/spec.yaml:6:10 labels.__proto__: label key \`__proto__\` may hold only letters, digits, . _ / - and must start and end with a letter or digit"
    `);
  });

  it('refuses `__proto__` as a builder option name at any depth (merging would set a prototype)', async () => {
    const error = await failure(() =>
      yaml(`${base}builderOptions:\n  __proto__: {network: host}\n  resources: {__proto__: {x: 1}}\n`),
    );
    expect(error.message).toContain('builderOptions.__proto__: a builder option may not be named `__proto__`');
    expect(error.message).toContain('builderOptions.resources.__proto__: a builder option may not be named');
    const [spec] = yaml(`${base}builderOptions:\n  network: host\n  retries: 3\n`).specs;
    expect(spec?.builderOptions).toEqual({ network: 'host', retries: 3 });
  });

  it('lists the first 50 problems of a file with thousands, and how many more', async () => {
    const error = await failure(() => yaml(`${base}commands: [${Array(3000).fill('*nope').join(', ')}]\n`));
    expect(error.message).toMatch(/\(3,000 problems\):\n/);
    expect(error.message.split('\n')).toHaveLength(52);
    expect(error.message).toMatch(/\n {2}… and 2,950 more$/);
    expect(error.details).toMatchObject({ more: 2950 });
  });

  it('keeps messages short when a key or value is huge', async () => {
    const error = await failure(() =>
      json(JSON.stringify({ name: 'app', ['k'.repeat(50_000)]: 1, workdir: `/${'w b'.repeat(20_000)}` })),
    );
    expect(error.message.length).toBeLessThan(1_000);
    expect(error.message).toContain('(50,000 characters)');
    expect(error.message).toContain('(60,001 characters)');
  });

  it('refuses a key written twice at any depth, with both lines', async () => {
    const error = await failure(() => yaml(`${base}env:\n  A: 1\n  A: 2\n`));
    expect(error.message).toContain('env.A: `A` is written twice in one map (line 4 and line 5); keep one of them');
    const images = await failure(() => yaml('images:\n  a: {baseImage: busybox:1}\n  a: {baseImage: busybox:2}\n'));
    expect(images.message).toContain('images.a: `a` is written twice');
    expect((await failure(() => json('{"name": "a", "name": "b"}'))).message).toContain('`name` is written twice');
  });

  it('refuses values nested deeper than the parser can read, as a syntax error at their line', async () => {
    const error = await failure(() => yaml(`${base}builderOptions: {x: ${'['.repeat(5000)}${']'.repeat(5000)}}\n`));
    expect(error.code).toBe('SPEC_SYNTAX');
    expect(error.message).toMatch(/^<virtual>\/spec\.yaml:3:\d+: the values here nest too deeply to read/);
  });

  it('refuses lists and maps nested past the limit at the first node too deep, whatever stack is left', async () => {
    const depth = MAX_NESTING_DEPTH + 1;
    const error = await failure(() => yaml(`${base}env: ${'{a: '.repeat(depth)}1${'}'.repeat(depth)}\n`));
    expect(error.code).toBe('SPEC_INVALID');
    expect(error.message).toContain(
      `<virtual>/spec.yaml:3:${6 + 4 * (MAX_NESTING_DEPTH - 1)} env${'.a'.repeat(MAX_NESTING_DEPTH - 1)}: lists and maps nest more than ${MAX_NESTING_DEPTH} levels`,
    );
    // One level less is read (and refused for its type, not its depth).
    const shallow = await failure(() => yaml(`${base}env: ${'{a: '.repeat(depth - 2)}1${'}'.repeat(depth - 2)}\n`));
    expect(shallow.message).not.toContain('levels deep');
  });

  it('refuses a second YAML document at its line', async () => {
    const error = await failure(() => yaml(`${base}---\nname: other\n`));
    expect(error).toMatchObject({ code: 'SPEC_SYNTAX' });
    expect(error.message).toMatchInlineSnapshot(
      `"<virtual>/spec.yaml:3:1: a second YAML document starts here; a spec file holds one (put several images under \`images:\`)"`,
    );
  });

  it('names a trailing comma in JSON at its line and column', async () => {
    const error = await failure(() => json('{\n  "name": "app",\n  "packages": ["a",]\n}'));
    expect(error.message).toMatchInlineSnapshot(
      `"<virtual>/spec.json:3:19: a comma before the closing bracket: JSON allows no trailing commas"`,
    );
    expect(error.details).toMatchObject({ line: 3, column: 19 });
    expect((await failure(() => json('{"a": "x,]" }}'))).message).not.toContain('trailing');
  });

  it('refuses a map or list over the entry limit, and a file over the size limit, naming the limit', async () => {
    const env = Array.from({ length: 10_001 }, (_, index) => ` K${index}: v`).join('\n');
    expect((await failure(() => yaml(`${base}env:\n${env}\n`))).message).toContain(
      'env: has 10,001 entries; a field holds at most 10,000',
    );
    const packages = Array.from({ length: 10_001 }, () => '- a').join('\n');
    expect((await failure(() => yaml(`${base}packages:\n${packages}\n`))).message).toContain(
      'packages: has 10,001 entries; a field holds at most 10,000',
    );
    const huge = await failure(() => yaml(`${base}commands: ["${'x'.repeat(300 * 1024)}"]\n`));
    expect(huge.message).toBe(
      'Spec file <virtual>/spec.yaml is 301 KB; imagespec reads spec files up to 256 KB (a limit against runaway or generated files).',
    );
  });
});

describe('loadSpecFile on files that are no regular file', () => {
  it('refuses a FIFO, a device and a symlink loop without reading them', async () => {
    const { execFileSync } = await import('node:child_process');
    const { mkdtemp, rm, symlink } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(`${tmpdir()}/imagespec-load-`);
    try {
      execFileSync('mkfifo', [`${dir}/fifo.yaml`]);
      await symlink(`${dir}/loop.yaml`, `${dir}/loop.yaml`);
      const messages = await Promise.all(
        [`${dir}/fifo.yaml`, '/dev/zero', `${dir}/loop.yaml`].map(async (file) => {
          const error = await failure(() => loadSpecFile(file));
          return `${error.code} ${error.message.replace(dir, '<dir>')}`;
        }),
      );
      expect(messages).toEqual([
        'SPEC_NOT_FOUND Spec file <dir>/fifo.yaml is not a regular file (a pipe, socket or device)',
        'SPEC_NOT_FOUND Spec file /dev/zero is not a regular file (a pipe, socket or device)',
        'SPEC_NOT_FOUND Spec file <dir>/loop.yaml is a symbolic link that leads back to itself',
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('places of fields, for problems found after loading', () => {
  it('names file:line:col when hashing finds a copy path missing, config defaults applied or not', async () => {
    const { mkdtemp, rm, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { computeImageIdentity } = await import('../hash/identity.js');
    const { applyConfigDefaults } = await import('./apply-defaults.js');
    const dir = await mkdtemp(`${tmpdir()}/imagespec-places-`);
    try {
      await writeFile(`${dir}/a.txt`, 'a\n');
      const file = parseSpecText(
        'images:\n  app:\n    baseImage: busybox:1.36\n    copy:\n      - a.txt\n      - missing.txt\n',
        {
          file: `${dir}/imagespec.yaml`,
          format: 'yaml',
        },
      );
      for (const spec of [
        file.specs[0]!,
        applyConfigDefaults(file.specs[0]!, { defaults: { registry: 'localhost:5000' } }),
      ]) {
        const error = await failure(() => computeImageIdentity(spec));
        expect(error.message.replace(dir, '<dir>')).toMatch(
          /^copy\[1\] of image spec `app` \(<dir>\/imagespec\.yaml:6:9\): /,
        );
        expect(error.details).toMatchObject({ field: 'copy[1]', line: 6, column: 9 });
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
