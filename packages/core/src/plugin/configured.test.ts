import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BuilderOption } from '../config/define.js';
import type { ResolvedImageSpec } from '../contract/spec.js';
import { createBuilderHost } from '../engine/host.js';
import { normalizeSpec } from '../spec/normalize.js';
import { createBuilderSelection } from './selection.js';

// Real packages in a node_modules folder: each records its import on globalThis, so the
// tests see which modules selection loaded.
const imports = (): string[] => ((globalThis as { __lazyImports?: string[] }).__lazyImports ??= []);

let project: string;

/** A builder package whose package.json declares `declared` and whose module defines `defined`. */
async function builderPackage(
  name: string,
  declared: { name: string; priority: number } | undefined,
  defined: { name: string; priority: number; refuses?: string },
): Promise<void> {
  const dir = join(project, 'node_modules', name);
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'package.json'),
    JSON.stringify({
      name,
      version: '1.0.0',
      type: 'module',
      exports: './index.js',
      ...(declared && { imagespec: { builder: declared } }),
    }),
  );
  await writeFile(
    join(dir, 'index.js'),
    `globalThis.__lazyImports ??= [];
globalThis.__lazyImports.push(${JSON.stringify(name)});
export default {
  apiVersion: 1,
  name: ${JSON.stringify(defined.name)},
  priority: ${defined.priority},
  optionsSchema: {
    safeParse: (value) =>
      value && value.bad
        ? { success: false, error: { issues: [{ path: ['bad'], message: 'is not an option' }] } }
        : { success: true, data: value ?? {} },
  },
  create() {
    return {
      available: async () => ({ ok: true }),
      supports: (spec) => (spec.name === ${JSON.stringify(defined.refuses ?? '')} ? { ok: false, reason: 'refused' } : { ok: true }),
      build: async (request) => ({ image: request.image, pushed: false }),
    };
  },
};
`,
  );
}

/** `<prefix>-high` (90, declared, refuses `low-only`), `<prefix>-low` (10, declared), `<prefix>-mid` (50, not declared, refuses `low-only`). */
async function threeBuilders(prefix: string): Promise<void> {
  await builderPackage(
    `${prefix}-high`,
    { name: 'high', priority: 90 },
    { name: 'high', priority: 90, refuses: 'low-only' },
  );
  await builderPackage(`${prefix}-low`, { name: 'low', priority: 10 }, { name: 'low', priority: 10 });
  await builderPackage(`${prefix}-mid`, undefined, { name: 'mid', priority: 50, refuses: 'low-only' });
}

const spec = (name: string): ResolvedImageSpec =>
  normalizeSpec({ name, baseImage: '127.0.0.1:5000/base:1' }, { dir: project });

function selection(entries: readonly BuilderOption[]) {
  const host = createBuilderHost({
    logger: { debug: () => {}, info: () => {}, warn: () => {} },
    registries: { credentials: async () => undefined, insecure: () => true, mirror: (r) => r },
    cwd: project,
    env: {},
  });
  return createBuilderSelection(entries, host, { configFile: join(project, 'imagespec.config.yaml') });
}

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), 'imagespec-lazy-builders-'));
  await threeBuilders('shared');
  await builderPackage('lying', { name: 'liar', priority: 5 }, { name: 'liar', priority: 6 });
});
afterAll(() => rm(project, { recursive: true, force: true }));
beforeEach(() => {
  imports().length = 0;
});

describe('builders whose package.json declares name and priority', () => {
  it('are imported only when selection reaches them; undeclared ones when the config loads', async () => {
    // Packages of this test alone: a module is imported once per process.
    await threeBuilders('first');
    const builders = selection(['first-low', 'first-mid', 'first-high']);
    expect((await builders.select(spec('app'))).name).toBe('high');
    expect(imports().sort()).toEqual(['first-high', 'first-mid']);
    expect((await builders.select(spec('low-only'))).name).toBe('low');
    expect(imports().sort()).toEqual(['first-high', 'first-low', 'first-mid']);
  });

  it('have their options checked when loaded: a higher builder taking every spec never reports them', async () => {
    const builders = selection(['shared-high', ['shared-low', { bad: true }]]);
    expect((await builders.select(spec('app'))).name).toBe('high');
    await expect(builders.select(spec('low-only'))).rejects.toMatchObject({
      code: 'PLUGIN_OPTIONS_INVALID',
      message: expect.stringContaining('bad: is not an option'),
    });
  });

  it('must define what they declare, or fail to load with PLUGIN_INVALID', async () => {
    const builders = selection(['shared-high', 'lying']);
    await expect(builders.select(spec('low-only'))).rejects.toMatchObject({
      code: 'PLUGIN_INVALID',
      message: expect.stringContaining('declares name "liar" and priority 5'),
    });
  });

  it('refuse a malformed declaration instead of ignoring it', async () => {
    const dir = join(project, 'node_modules', 'malformed');
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'malformed', imagespec: { builder: { name: 5 } } }),
    );
    await writeFile(join(dir, 'index.js'), 'export default {};\n');
    await expect(selection(['malformed']).select(spec('app'))).rejects.toMatchObject({
      code: 'PLUGIN_INVALID',
      message: expect.stringContaining('invalid imagespec.builder'),
    });
  });

  it('are all loaded to be listed, in the declared order', async () => {
    const listed = await selection(['shared-low', 'shared-high', 'shared-mid']).list();
    expect(listed.map((info) => [info.name, info.priority, info.version])).toEqual([
      ['high', 90, '1.0.0'],
      ['mid', 50, '1.0.0'],
      ['low', 10, '1.0.0'],
    ]);
  });

  it('count for duplicate names by their declaration', async () => {
    await builderPackage('twin-a', { name: 'twin', priority: 80 }, { name: 'twin', priority: 80 });
    await builderPackage('twin-b', { name: 'twin', priority: 70 }, { name: 'twin', priority: 70 });
    await expect(selection(['twin-a', 'twin-b']).select(spec('app'))).rejects.toMatchObject({
      code: 'PLUGIN_DUPLICATE',
    });
    expect(imports()).toEqual([]);
  });
});
