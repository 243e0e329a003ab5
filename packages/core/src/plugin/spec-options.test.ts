import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { type BuilderDefinition, defineBuilder } from '../contract/builder.js';
import type { ResolvedImageSpec } from '../contract/spec.js';
import { createBuilderHost } from '../engine/host.js';
import { ImagespecError } from '../errors.js';
import { parseSpecText } from '../spec/load.js';
import { createBuilderSelection } from './selection.js';
import { mergeOptions, resolveSpecBuilderOptions } from './spec-options.js';

const optionsSchema = z
  .object({
    network: z.enum(['default', 'host', 'none']).default('default'),
    resources: z.object({ cpu: z.string().optional(), memory: z.string().optional() }).default({}),
    tags: z.array(z.string()).default([]),
  })
  .strict();
type Options = z.infer<typeof optionsSchema>;

/** A real in-process builder that records the options each instance was created with. */
function recordingBuilder(name = 'rec', priority = 50) {
  const created: Options[] = [];
  const definition: BuilderDefinition<Options> = defineBuilder<Options>({
    apiVersion: 1,
    name,
    priority,
    optionsSchema,
    create(options) {
      created.push(options);
      return {
        available: () => ({ ok: true }),
        supports: () => ({ ok: true }),
        build: async (request) => ({ image: `${request.image}#${options.network}`, pushed: false }),
      };
    },
  });
  return { definition: definition as BuilderDefinition<unknown>, created };
}

function loadSpecs(text: string): {
  specs: readonly ResolvedImageSpec[];
  locate: ReturnType<typeof parseSpecText>['locate'];
} {
  return parseSpecText(text, { file: '/project/imagespec.yaml', format: 'yaml' });
}

function registryOf(
  definition: BuilderDefinition<unknown>,
  configOptions: Record<string, unknown>,
  locate?: ReturnType<typeof parseSpecText>['locate'],
) {
  const host = createBuilderHost({
    logger: { debug: () => {}, info: () => {}, warn: () => {} },
    registries: { credentials: async () => undefined, insecure: () => true, mirror: (r) => r },
    cwd: tmpdir(),
    env: {},
  });
  return createBuilderSelection([[definition, configOptions]], host, {
    configFile: '/project/imagespec.config.mjs',
    ...(locate && { locate: () => locate }),
  });
}

describe('mergeOptions', () => {
  it('merges plain objects key by key and replaces everything else', () => {
    expect(
      mergeOptions(
        { network: 'none', resources: { cpu: '1', memory: '1Gi' }, tags: ['a'] },
        { resources: { memory: '2Gi' }, tags: ['b'] },
      ),
    ).toEqual({ network: 'none', resources: { cpu: '1', memory: '2Gi' }, tags: ['b'] });
    expect(mergeOptions(undefined, { network: 'host' })).toEqual({ network: 'host' });
    expect(mergeOptions({ network: 'host' }, undefined)).toEqual({ network: 'host' });
  });
});

describe("a spec's builderOptions", () => {
  it('are merged over the config options for that image only', async () => {
    const { definition, created } = recordingBuilder();
    const { specs } = loadSpecs(
      [
        'images:',
        '  plain:',
        '    baseImage: 127.0.0.1:5000/base:1',
        '  hosted:',
        '    baseImage: 127.0.0.1:5000/base:1',
        '    builderOptions: { network: host, resources: { memory: 2Gi } }',
      ].join('\n'),
    );
    const registry = registryOf(definition, { network: 'none', resources: { cpu: '2' } });
    const [plain, hosted] = specs as [ResolvedImageSpec, ResolvedImageSpec];
    const forPlain = await registry.select(plain);
    const forHosted = await registry.select(hosted);
    expect(forPlain.builder).not.toBe(forHosted.builder);
    expect(created).toEqual([
      { network: 'none', resources: { cpu: '2' }, tags: [] },
      { network: 'host', resources: { cpu: '2', memory: '2Gi' }, tags: [] },
    ]);
    // The same options again reuse the instance; the config's instance is untouched.
    expect((await registry.select(hosted)).builder).toBe(forHosted.builder);
    expect((await registry.select(plain)).builder).toBe(forPlain.builder);
    expect(created).toHaveLength(2);
  });

  it('that the builder refuses are SPEC_INVALID at the spec file line, naming each problem', async () => {
    const { definition } = recordingBuilder();
    const { specs, locate } = loadSpecs(
      ['name: app', 'baseImage: 127.0.0.1:5000/base:1', 'builderOptions:', '  network: bridge', '  bogus: 1'].join(
        '\n',
      ),
    );
    const registry = registryOf(definition, {}, locate);
    const error = await registry.select(specs[0] as ResolvedImageSpec).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ImagespecError);
    const problem = error as ImagespecError;
    expect(problem.code).toBe('SPEC_INVALID');
    expect(problem.message).toMatch(
      /^\/project\/imagespec\.yaml:4:\d+: builderOptions of "app" are not valid for builder "rec"/,
    );
    expect(problem.message).toContain('network:');
    expect(problem.message).toContain('bogus');
    expect(problem.hint).toContain('builderOptions');
  });

  it('with a key the schema would strip is still an error', () => {
    const definition = defineBuilder<{ a?: string }>({
      apiVersion: 1,
      name: 'loose',
      priority: 1,
      optionsSchema: z.object({ a: z.string().optional() }),
      create: () => ({
        available: () => ({ ok: true }),
        supports: () => ({ ok: true }),
        build: async () => ({ image: '', pushed: false }),
      }),
    }) as BuilderDefinition<unknown>;
    const spec = loadSpecs('name: app\nbuilderOptions: { a: x, network: host }').specs[0] as ResolvedImageSpec;
    expect(() => resolveSpecBuilderOptions(definition, {}, spec, { source: 'inline' })).toThrow(
      /network: not an option of this builder/,
    );
    const ok = loadSpecs('name: app\nbuilderOptions: { a: x }').specs[0] as ResolvedImageSpec;
    expect(resolveSpecBuilderOptions(definition, {}, ok, { source: 'inline' })).toEqual({ a: 'x' });
  });

  it('for a builder without options are refused', () => {
    const definition = defineBuilder({
      apiVersion: 1,
      name: 'bare',
      priority: 1,
      create: () => ({
        available: () => ({ ok: true }),
        supports: () => ({ ok: true }),
        build: async () => ({ image: '', pushed: false }),
      }),
    }) as BuilderDefinition<unknown>;
    const spec = loadSpecs('name: app\nbuilderOptions: { x: 1 }').specs[0] as ResolvedImageSpec;
    expect(() => resolveSpecBuilderOptions(definition, {}, spec, { source: 'inline' })).toThrow(
      /builder "bare" takes no options/,
    );
  });
});

describe('selection in a dry run', () => {
  it('does not ask a named builder whether it is available, and says so', async () => {
    let asked = 0;
    const definition = defineBuilder({
      apiVersion: 1,
      name: 'remote',
      priority: 1,
      create: () => ({
        available: () => {
          asked++;
          return { ok: false, reason: 'no cluster' };
        },
        supports: () => ({ ok: true }),
        build: async () => ({ image: '', pushed: false }),
      }),
    }) as BuilderDefinition<unknown>;
    const registry = registryOf(definition, {});
    const spec = loadSpecs('name: app\nbuilder: remote').specs[0] as ResolvedImageSpec;
    const chosen = await registry.select(spec, undefined, { dryRun: true });
    expect(chosen.name).toBe('remote');
    expect(chosen.availability).toBe('availability not checked (dry run)');
    expect(asked).toBe(0);
    await expect(registry.select(spec)).rejects.toThrow(/not available: no cluster/);
  });
});
