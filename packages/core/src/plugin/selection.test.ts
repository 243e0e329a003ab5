import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { BuilderOption } from '../config/define.js';
import { type Availability, type BuilderDefinition, defineBuilder } from '../contract/builder.js';
import type { ResolvedImageSpec } from '../contract/spec.js';
import { createBuilderHost } from '../engine/host.js';
import { ImagespecError } from '../errors.js';
import { normalizeSpec } from '../spec/normalize.js';
import { createBuilderSelection } from './selection.js';

const fixtures = fileURLToPath(new URL('../../test/fixtures/plugins/', import.meta.url));
const spec = (extra: Partial<Parameters<typeof normalizeSpec>[0]> = {}): ResolvedImageSpec =>
  normalizeSpec({ name: 'app', baseImage: '127.0.0.1:5000/base:1', ...extra }, { dir: tmpdir() });

/** A real in-process builder whose availability and support are set by the test; counts calls. */
function testBuilder(
  name: string,
  priority: number,
  state: { available?: Availability; supports?: Availability | ((s: ResolvedImageSpec) => Availability) } = {},
) {
  const calls = { create: 0, available: 0, dispose: 0 };
  const definition: BuilderDefinition = defineBuilder({
    apiVersion: 1,
    name,
    priority,
    create() {
      calls.create++;
      return {
        available: async () => {
          calls.available++;
          return state.available ?? { ok: true };
        },
        supports: (s) => (typeof state.supports === 'function' ? state.supports(s) : (state.supports ?? { ok: true })),
        build: async (request) => ({ image: request.image, pushed: false }),
        dispose: () => {
          calls.dispose++;
        },
      };
    },
  });
  return { definition, calls };
}

function registryOf(entries: readonly BuilderOption[]) {
  const debug: string[] = [];
  const warnings: string[] = [];
  const host = createBuilderHost({
    logger: { debug: (m) => debug.push(m), info: () => {}, warn: (m) => warnings.push(m) },
    registries: { credentials: async () => undefined, insecure: () => true, mirror: (r) => r },
    cwd: fixtures,
    env: {},
  });
  return {
    registry: createBuilderSelection(entries, host, { configFile: '/project/imagespec.config.ts' }),
    debug,
    warnings,
  };
}

async function rejection(promise: Promise<unknown>): Promise<ImagespecError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ImagespecError);
  return error as ImagespecError;
}

describe('createBuilderSelection: selection', () => {
  it('picks the highest priority builder that is available and supports the spec', async () => {
    const high = testBuilder('high', 90, { available: { ok: false, reason: 'daemon down' } });
    const mid = testBuilder('mid', 50, { supports: { ok: false, reason: 'no GPUs' } });
    const low = testBuilder('low', 10);
    const { registry, debug } = registryOf([
      low.definition,
      [high.definition, {}],
      [[mid.definition]],
      false,
      null,
      undefined,
    ]);
    const chosen = await registry.select(spec());
    expect(chosen.name).toBe('low');
    expect(chosen.source).toBe('inline');
    expect(debug).toContain('imagespec:builders app -> low');
  });

  it('breaks priority ties by name', async () => {
    const b = testBuilder('bravo', 20);
    const a = testBuilder('alpha', 20);
    const { registry } = registryOf([b.definition, a.definition]);
    expect((await registry.select(spec())).name).toBe('alpha');
  });

  it('creates builders lazily, and asks available() once per run', async () => {
    const first = testBuilder('first', 20);
    const second = testBuilder('second', 10);
    const { registry } = registryOf([first.definition, second.definition]);
    await registry.select(spec());
    await registry.select(spec({ name: 'other' }));
    expect(first.calls).toEqual({ create: 1, available: 1, dispose: 0 });
    expect(second.calls.create).toBe(0);
    await registry.dispose();
    expect(first.calls.dispose).toBe(1);
  });

  it('honours an explicit builder over priority (--builder beats spec.builder)', async () => {
    const high = testBuilder('high', 90);
    const low = testBuilder('low', 1);
    const { registry } = registryOf([high.definition, low.definition]);
    expect((await registry.select(spec({ builder: 'low' }))).name).toBe('low');
    expect((await registry.select(spec({ builder: 'low' }), 'high')).name).toBe('high');
    expect(high.calls.create).toBe(1);
  });

  it('BUILDER_NOT_FOUND lists what is configured', async () => {
    const { registry } = registryOf([testBuilder('docker', 50).definition, './valid-mjs/builder.mjs']);
    const error = await rejection(registry.select(spec(), 'kaniko'));
    expect(error.code).toBe('BUILDER_NOT_FOUND');
    expect(error.message).toMatchInlineSnapshot(
      `"No builder named "kaniko" (asked for by --builder) is configured in /project/imagespec.config.ts; configured: docker (priority 50, inline), fixture-mjs (priority 3, ./valid-mjs/builder.mjs)."`,
    );
  });

  it('an explicit builder that is unavailable or unsupported fails with its reason', async () => {
    const down = testBuilder('down', 50, {
      available: { ok: false, reason: 'no Docker engine at /var/run/docker.sock' },
    });
    const picky = testBuilder('picky', 10, { supports: { ok: false, reason: 'it cannot build for linux/s390x' } });
    const { registry } = registryOf([down.definition, picky.definition]);
    const unavailable = await rejection(registry.select(spec({ builder: 'down' })));
    expect(unavailable.code).toBe('BUILDER_UNAVAILABLE');
    expect(unavailable.message).toBe(
      'Builder "down" (asked for by the spec "app", from inline) is not available: no Docker engine at /var/run/docker.sock',
    );
    const unsupported = await rejection(registry.select(spec(), 'picky'));
    expect(unsupported.code).toBe('BUILDER_UNSUPPORTED');
    expect(unsupported.message).toBe(
      'Builder "picky" (asked for by --builder) cannot build "app": it cannot build for linux/s390x',
    );
  });

  it('when nothing is usable, says why for every builder', async () => {
    const failing: BuilderDefinition = {
      apiVersion: 1,
      name: 'broken',
      priority: 70,
      create() {
        throw new Error('kubeconfig has no current context');
      },
    };
    const { registry, warnings } = registryOf([
      testBuilder('docker', 50, {
        available: { ok: false, reason: 'no Docker engine at /var/run/docker.sock: connect ENOENT.' },
      }).definition,
      testBuilder('noop', 0, { supports: { ok: false, reason: 'it would drop packages (numpy)' } }).definition,
      failing,
      './valid-mjs/builder.mjs',
    ]);
    const error = await rejection(registry.select(spec()));
    expect(error.code).toBe('BUILDER_UNAVAILABLE');
    expect(error.message).toMatchInlineSnapshot(
      `"No configured builder can build "app". broken (priority 70, inline): unavailable: could not be set up: kubeconfig has no current context. docker (priority 50, inline): unavailable: no Docker engine at /var/run/docker.sock: connect ENOENT. fixture-mjs (priority 3, ./valid-mjs/builder.mjs): unavailable: fixture is never available. noop (priority 0, inline): does not support this spec: it would drop packages (numpy)."`,
    );
    // A builder that was never created has nothing to dispose.
    await registry.dispose();
    expect(warnings).toEqual([]);
  });
});

describe('createBuilderSelection: loading', () => {
  it('lists builders by priority with version, source and availability', async () => {
    const { registry } = registryOf([
      './valid-mjs/builder.mjs',
      ['./valid-ts/builder.ts', { prefix: 'x/' }],
      testBuilder('docker', 50).definition,
    ]);
    expect(await registry.list()).toEqual([
      { name: 'docker', priority: 50, source: 'inline', available: { ok: true } },
      {
        name: 'fixture-ts',
        priority: 7,
        source: './valid-ts/builder.ts',
        description: 'fixture written in TypeScript',
        available: { ok: true },
      },
      {
        name: 'fixture-mjs',
        priority: 3,
        source: './valid-mjs/builder.mjs',
        available: { ok: false, reason: 'fixture is never available' },
      },
    ]);
  });

  it('passes validated options to create()', async () => {
    const { registry } = registryOf([['./valid-ts/builder.ts', { prefix: 'mirror/' }]]);
    const { builder } = await registry.select(spec());
    expect(await builder.build({ image: 'a:1' } as never)).toEqual({ image: 'mirror/a:1', pushed: false });
  });

  it('PLUGIN_OPTIONS_INVALID names the builder and each field path', async () => {
    const { registry } = registryOf([['./bad-options/builder.mjs', { namespace: 7, replicas: 1.5, extra: true }]]);
    const error = await rejection(registry.list());
    expect(error.code).toBe('PLUGIN_OPTIONS_INVALID');
    expect(error.message).toContain(
      'Invalid options for builder "fixture-options" (./bad-options/builder.mjs) in /project/imagespec.config.ts: ',
    );
    expect(error.message).toContain('namespace: Invalid input: expected string, received number');
    expect(error.message).toContain('replicas: ');
    expect(error.message).toContain('extra');
  });

  it('PLUGIN_DUPLICATE names both sources', async () => {
    const { registry } = registryOf(['./valid-mjs/builder.mjs', { ...testBuilder('fixture-mjs', 1).definition }]);
    const error = await rejection(registry.select(spec()));
    expect(error.code).toBe('PLUGIN_DUPLICATE');
    expect(error.message).toBe(
      'Two builders in /project/imagespec.config.ts are named "fixture-mjs": ./valid-mjs/builder.mjs and inline.',
    );
  });

  it('surfaces loader errors (not installed, invalid) from select and list', async () => {
    const { registry } = registryOf(['@acme/imagespec-builder-absent']);
    expect((await rejection(registry.select(spec()))).code).toBe('PLUGIN_NOT_INSTALLED');
    const { registry: invalid } = registryOf(['./wrong-api/builder.mjs']);
    expect((await rejection(invalid.list())).code).toBe('PLUGIN_INVALID');
  });
});
