import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImagespecError } from '../errors.js';
import { nativeImport } from '../import-module.js';
import { loadBuilderModule, packageNameOf } from './load.js';

const fixtures = fileURLToPath(new URL('../../test/fixtures/plugins/', import.meta.url));

async function loadError(specifier: string, fromDir = fixtures): Promise<ImagespecError> {
  const error = await loadBuilderModule(specifier, { fromDir, configFile: join(fromDir, 'imagespec.config.mjs') }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ImagespecError);
  return error as ImagespecError;
}

describe('loadBuilderModule', () => {
  it('loads a TypeScript builder through jiti, relative to the config folder', async () => {
    const loaded = await loadBuilderModule('./valid-ts/builder.ts', { fromDir: fixtures });
    expect(loaded.definition.name).toBe('fixture-ts');
    expect(loaded.definition.priority).toBe(7);
    expect(loaded.file).toBe(join(fixtures, 'valid-ts/builder.ts'));
    expect(loaded.source).toBe('./valid-ts/builder.ts');
    expect(loaded.version).toBeUndefined();
  });

  it('loads an ESM builder by absolute path', async () => {
    const loaded = await loadBuilderModule(join(fixtures, 'valid-mjs/builder.mjs'), { fromDir: tmpdir() });
    expect(loaded.definition.name).toBe('fixture-mjs');
  });

  it('imports the module and jiti through the given importModule (the CLI passes its own)', async () => {
    const imported: string[] = [];
    const importModule = (specifier: string) => {
      imported.push(specifier);
      return nativeImport(specifier);
    };
    const mjs = join(fixtures, 'valid-mjs/builder.mjs');
    expect((await loadBuilderModule(mjs, { fromDir: tmpdir(), importModule })).definition.name).toBe('fixture-mjs');
    expect(imported).toEqual([pathToFileURL(mjs).href]);
    imported.length = 0;
    await loadBuilderModule('./valid-ts/builder.ts', { fromDir: fixtures, importModule });
    expect(imported).toEqual(['jiti']);
    // What the host's import throws is the builder's load failure.
    const failing = () => Promise.reject(new Error('no dynamic import here'));
    await expect(loadBuilderModule(mjs, { fromDir: tmpdir(), importModule: failing })).rejects.toMatchObject({
      code: 'PLUGIN_INVALID',
      message: expect.stringContaining('no dynamic import here'),
    });
  });

  it('unwraps default twice for a compiled CommonJS builder', async () => {
    const loaded = await loadBuilderModule('./cjs-default/builder.cjs', { fromDir: fixtures });
    expect(loaded.definition.name).toBe('fixture-cjs');
  });

  it('says which apiVersion the plugin has and which core supports', async () => {
    const error = await loadError('./wrong-api/builder.mjs');
    expect(error.code).toBe('PLUGIN_INVALID');
    expect(error.message).toBe(
      './wrong-api/builder.mjs declares builder apiVersion 2, but this @imagespec/core supports apiVersion 1.',
    );
    expect(error.hint).toContain('Upgrade @imagespec/core');
  });

  it('rejects a module that is not a builder, naming it', async () => {
    const error = await loadError('./not-a-builder/builder.mjs');
    expect(error.code).toBe('PLUGIN_INVALID');
    expect(error.message).toContain('./not-a-builder/builder.mjs is not an imagespec builder');
  });

  it('lists every shape problem at once', async () => {
    const error = await loadError('./bad-name/builder.mjs');
    expect(error.message).toMatchInlineSnapshot(
      `"./bad-name/builder.mjs is not a valid imagespec builder: name must be a non-empty lowercase string such as "docker" (letters, digits, '.', '_', '-'), got "Bad Name"; priority must be a finite number, got number NaN; create must be a function, got "not a function"."`,
    );
  });

  it('turns a module that throws on import into PLUGIN_INVALID with the cause', async () => {
    const error = await loadError('./throws-on-import/builder.mjs');
    expect(error.code).toBe('PLUGIN_INVALID');
    expect(error.message).toContain('failed to load: fixture exploded while importing');
    expect((error.cause as Error).message).toBe('fixture exploded while importing');
  });

  it('reports a missing path', async () => {
    const error = await loadError('./nope/builder.ts');
    expect(error.code).toBe('PLUGIN_NOT_INSTALLED');
    expect(error.message).toContain(join(fixtures, 'nope/builder.ts'));
  });

  describe('packages', () => {
    let project: string;
    beforeAll(async () => {
      project = await mkdtemp(join(tmpdir(), 'imagespec-load-'));
      const pkg = join(project, 'node_modules', '@acme', 'imagespec-builder-tmp');
      await mkdir(join(pkg, 'dist'), { recursive: true });
      await writeFile(
        join(pkg, 'package.json'),
        JSON.stringify({
          name: '@acme/imagespec-builder-tmp',
          version: '1.2.3',
          type: 'module',
          exports: { '.': { import: './dist/index.js' } },
        }),
      );
      await writeFile(
        join(pkg, 'dist/index.js'),
        "export default { apiVersion: 1, name: 'tmp', priority: 1, create: () => ({ available: () => ({ ok: true }), supports: () => ({ ok: true }), build: async (r) => ({ image: r.image, pushed: false }) }) };\n",
      );
    });
    afterAll(() => rm(project, { recursive: true, force: true }));

    it('resolves an ESM-only package from the config folder and reads its version', async () => {
      const loaded = await loadBuilderModule('@acme/imagespec-builder-tmp', { fromDir: project });
      expect(loaded).toMatchObject({
        source: '@acme/imagespec-builder-tmp',
        packageName: '@acme/imagespec-builder-tmp',
        version: '1.2.3',
      });
      expect(loaded.definition.name).toBe('tmp');
      expect(loaded.file).toBe(join(project, 'node_modules/@acme/imagespec-builder-tmp/dist/index.js'));
    });

    it('falls back to core’s own location (here zod resolves only from there, and is no builder)', async () => {
      const error = await loadError('zod', project);
      expect(error.code).toBe('PLUGIN_INVALID');
      expect(error.message).toContain('zod is not an imagespec builder: its definition has no apiVersion');
    });

    it('gives the exact install command for a missing package', async () => {
      const error = await loadError('@acme/imagespec-builder-missing/sub', project);
      expect(error.code).toBe('PLUGIN_NOT_INSTALLED');
      expect(error.hint).toBe(
        `Run \`npm install -D @acme/imagespec-builder-missing\` in ${project}, or remove "@acme/imagespec-builder-missing/sub" from builders in ${resolve(project, 'imagespec.config.mjs')}.`,
      );
    });
  });

  it('derives package names from specifiers', () => {
    expect(packageNameOf('@imagespec/builder-docker')).toBe('@imagespec/builder-docker');
    expect(packageNameOf('@scope/pkg/sub/path')).toBe('@scope/pkg');
    expect(packageNameOf('pkg/sub')).toBe('pkg');
  });
});
