import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ImagespecError } from '../errors.js';
import { nativeImport } from '../import-module.js';
import { loadConfig } from './load.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imagespec-config-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function rejection(promise: Promise<unknown>): Promise<ImagespecError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ImagespecError);
  return error as ImagespecError;
}

const moduleText =
  "export default { builders: ['@imagespec/builder-noop'], defaults: { registry: '127.0.0.1:5000' } };\n";
const files: Record<string, string> = {
  'imagespec.config.ts': `const registry: string = '127.0.0.1:5000';\nexport default { builders: ['@imagespec/builder-noop'], defaults: { registry } };\n`,
  'imagespec.config.mts': `type C = { builders: string[] };\nconst c: C & { defaults: { registry: string } } = { builders: ['@imagespec/builder-noop'], defaults: { registry: '127.0.0.1:5000' } };\nexport default c;\n`,
  'imagespec.config.js': moduleText,
  'imagespec.config.mjs': moduleText,
  'imagespec.config.json': JSON.stringify({
    builders: ['@imagespec/builder-noop'],
    defaults: { registry: '127.0.0.1:5000' },
  }),
  'imagespec.config.yaml': 'builders: ["@imagespec/builder-noop"]\ndefaults:\n  registry: 127.0.0.1:5000\n',
  'imagespec.config.yml': 'builders:\n  - "@imagespec/builder-noop"\ndefaults: { registry: "127.0.0.1:5000" }\n',
};

describe('loadConfig', () => {
  it.each(Object.keys(files))('loads %s found upward from a subfolder', async (name) => {
    await writeFile(join(dir, 'package.json'), '{"type":"module"}');
    await writeFile(join(dir, name), files[name] as string);
    const cwd = join(dir, 'a', 'b');
    await mkdir(cwd, { recursive: true });
    const config = await loadConfig({ cwd });
    expect(config).toEqual({
      file: join(dir, name),
      dir,
      builders: [['@imagespec/builder-noop', {}]],
      defaults: { registry: '127.0.0.1:5000' },
      registries: {},
      mirrors: {},
    });
    expect(Object.isFrozen(config.defaults)).toBe(true);
  });

  it('loads a TypeScript config with defineConfig, falsy builders and relative CA paths', async () => {
    const fixture = fileURLToPath(new URL('../../test/fixtures/config/ts-with-types/', import.meta.url));
    const config = await loadConfig({ cwd: fixture });
    expect(config).toEqual({
      file: join(fixture, 'imagespec.config.ts'),
      dir: fixture.replace(/\/$/, ''),
      builders: [
        ['@imagespec/builder-docker', {}],
        ['./local-builder.ts', { verbose: true }],
      ],
      defaults: { registry: '127.0.0.1:5000/team', platform: ['linux/amd64', 'linux/arm64'], concurrency: 3 },
      registries: { '127.0.0.1:5000': { insecure: true, ca: join(fixture, 'certs/ca.pem') } },
      mirrors: { 'docker.io/': '127.0.0.1:5000/hub/' },
    });
  });

  it('imports JavaScript configs, and jiti for TypeScript ones, through the given importModule', async () => {
    const imported: string[] = [];
    const importModule = (specifier: string) => {
      imported.push(specifier);
      return nativeImport(specifier);
    };
    await writeFile(join(dir, 'imagespec.config.mjs'), "export default { defaults: { registry: 'mjs' } };\n");
    expect((await loadConfig({ cwd: dir, importModule })).defaults.registry).toBe('mjs');
    expect(imported).toEqual([pathToFileURL(join(dir, 'imagespec.config.mjs')).href]);
    imported.length = 0;
    await writeFile(join(dir, 'imagespec.config.ts'), "export default { defaults: { registry: 'ts' } };\n");
    expect((await loadConfig({ cwd: dir, importModule })).defaults.registry).toBe('ts');
    expect(imported).toEqual(['jiti']);
  });

  it('prefers the nearest config, and .ts over .json in one folder', async () => {
    await writeFile(join(dir, 'imagespec.config.json'), '{"defaults":{"registry":"outer"}}');
    const inner = join(dir, 'inner');
    await mkdir(inner);
    await writeFile(join(inner, 'imagespec.config.json'), '{"defaults":{"registry":"json"}}');
    await writeFile(join(inner, 'imagespec.config.ts'), "export default { defaults: { registry: 'ts' } };\n");
    expect((await loadConfig({ cwd: inner })).defaults.registry).toBe('ts');
  });

  it('searches up to the home directory, not past it, when cwd is under it (as lilconfig)', async () => {
    const home = join(dir, 'home');
    const cwd = join(home, 'project', 'src');
    await mkdir(cwd, { recursive: true });
    await writeFile(join(dir, 'imagespec.config.json'), '{"defaults":{"registry":"above-home"}}');
    vi.stubEnv('HOME', home);
    try {
      expect((await loadConfig({ cwd })).file).toBeUndefined();
      await writeFile(join(home, 'imagespec.config.yaml'), 'defaults: { registry: in-home }\n');
      expect((await loadConfig({ cwd })).defaults.registry).toBe('in-home');
      // Outside home the search goes on to the root, so the file above home is found from dir/elsewhere.
      await mkdir(join(dir, 'elsewhere'));
      expect((await loadConfig({ cwd: join(dir, 'elsewhere') })).defaults.registry).toBe('above-home');
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('without a config file: docker as the builder, cwd as the folder', async () => {
    expect(await loadConfig({ cwd: dir })).toEqual({
      dir,
      builders: [['@imagespec/builder-docker', {}]],
      defaults: {},
      registries: {},
      mirrors: {},
    });
  });

  it('calls a function export, and an empty file is an empty config', async () => {
    await writeFile(join(dir, 'fn.mjs'), "export default async () => ({ defaults: { builder: 'noop' } });\n");
    expect((await loadConfig({ cwd: dir, configFile: 'fn.mjs' })).defaults).toEqual({ builder: 'noop' });
    await writeFile(join(dir, 'empty.yaml'), '');
    expect((await loadConfig({ cwd: dir, configFile: 'empty.yaml' })).builders).toEqual([]);
  });

  it('--config must exist', async () => {
    const error = await rejection(loadConfig({ cwd: dir, configFile: 'missing.config.ts' }));
    expect(error.code).toBe('CONFIG_NOT_FOUND');
    expect(error.message).toBe(
      `The config file ${join(dir, 'missing.config.ts')} (given with --config) does not exist.`,
    );
  });

  it('CONFIG_LOAD_FAILED names the file and the cause', async () => {
    await writeFile(join(dir, 'imagespec.config.yaml'), 'builders: [a\ndefaults: {');
    const yamlError = await rejection(loadConfig({ cwd: dir }));
    expect(yamlError.code).toBe('CONFIG_LOAD_FAILED');
    expect(yamlError.message).toMatch(
      new RegExp(`^Cannot parse the config file ${join(dir, 'imagespec.config.yaml')}:\\d+:\\d+: `),
    );

    await writeFile(join(dir, 'bad.json'), '{"builders": [}');
    const jsonError = await rejection(loadConfig({ cwd: dir, configFile: 'bad.json' }));
    expect(jsonError.code).toBe('CONFIG_LOAD_FAILED');
    expect(jsonError.message).toContain(`Cannot load the config file ${join(dir, 'bad.json')}: `);

    await writeFile(join(dir, 'throws.mjs'), "throw new Error('config exploded');\n");
    const throwing = await rejection(loadConfig({ cwd: dir, configFile: 'throws.mjs' }));
    expect(throwing.message).toBe(`Cannot load the config file ${join(dir, 'throws.mjs')}: config exploded`);
    expect((throwing.cause as Error).message).toBe('config exploded');

    await writeFile(join(dir, 'syntax.ts'), 'export default { builders: [ };\n');
    expect((await rejection(loadConfig({ cwd: dir, configFile: 'syntax.ts' }))).code).toBe('CONFIG_LOAD_FAILED');
  });

  it('a module without a default export is invalid', async () => {
    await writeFile(join(dir, 'named.mjs'), 'export const builders = [];\n');
    const error = await rejection(loadConfig({ cwd: dir, configFile: 'named.mjs' }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toBe(`The config file ${join(dir, 'named.mjs')} has no default export.`);
  });

  it('CONFIG_INVALID lists every field with its path and the file', async () => {
    await writeFile(
      join(dir, 'imagespec.config.json'),
      JSON.stringify({
        builders: ['ok', 42, ['', {}]],
        defaults: { concurrency: 0, platform: 'linux/amd64' },
        registries: { 'localhost:5000': { insecure: 'yes' } },
        bilders: [],
      }),
    );
    const error = await rejection(loadConfig({ cwd: dir }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message.replace(dir, '<dir>')).toMatchInlineSnapshot(
      `"Invalid config in <dir>/imagespec.config.json: defaults.concurrency: Too small: expected number to be >=1; registries["localhost:5000"].insecure: Invalid input: expected boolean, received string; bilders: unknown field; builders[1]: expected a package name, a path, a builder definition or [name, options], got a number 42; builders[2][0]: a builder package name or path must not be empty."`,
    );
  });
});

describe('loadConfig: ${VAR} in JSON and YAML config values', () => {
  it('substitutes values (never keys) from the given env, with defaults and $$', async () => {
    await writeFile(
      join(dir, 'imagespec.config.yaml'),
      'builders: ["@imagespec/builder-noop"]\ndefaults:\n  registry: ${REGISTRY:-127.0.0.1:5000}/${TEAM}\nregistries:\n  "${HOST}": { insecure: true }\n',
    );
    const config = await loadConfig({ cwd: dir, env: { TEAM: 'ml' } });
    expect(config.defaults.registry).toBe('127.0.0.1:5000/ml');
    expect(Object.keys(config.registries)).toEqual(['${HOST}']);
    await writeFile(join(dir, 'imagespec.config.yaml'), 'defaults:\n  registry: $${TEAM}\n');
    expect((await loadConfig({ cwd: dir, env: { TEAM: 'ml' } })).defaults.registry).toBe('${TEAM}');
  });

  it('names an unset variable with the file, line and path (YAML) or the path (JSON)', async () => {
    await writeFile(join(dir, 'imagespec.config.yaml'), 'builders: []\ndefaults:\n  registry: ${REGISTRY}/x\n');
    const yaml = await rejection(loadConfig({ cwd: dir, env: {} }));
    expect(yaml.code).toBe('CONFIG_INVALID');
    expect(yaml.message).toBe(
      `${join(dir, 'imagespec.config.yaml')}:3:13: defaults.registry: variable \`REGISTRY\` is not set: set it in the environment, or give a default with \`\${REGISTRY:-...}\`.`,
    );
    await rm(join(dir, 'imagespec.config.yaml'));
    await writeFile(join(dir, 'imagespec.config.json'), JSON.stringify({ defaults: { registry: '${REGISTRY}' } }));
    const json = await rejection(loadConfig({ cwd: dir, env: {} }));
    expect(json.message).toContain(`${join(dir, 'imagespec.config.json')}: defaults.registry: variable \`REGISTRY\``);
    expect((await loadConfig({ cwd: dir, env: { REGISTRY: 'r.example' } })).defaults.registry).toBe('r.example');
  });
});
