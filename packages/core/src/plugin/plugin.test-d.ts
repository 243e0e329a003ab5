// Compile-time checks of the plugin and config contracts (vite's __tests_dts__ idea).
// Checked by `tsc --noEmit -p packages/core/tsconfig.json`; vitest runs *.test-d.ts only
// with typecheck enabled.
import { describe, expectTypeOf, it } from 'vitest';
import * as z from 'zod';
import { type BuilderOption, defineConfig, type ImagespecConfigInput, type ResolvedConfig } from '../config/define.js';
import {
  type Availability,
  type Builder,
  type BuilderDefinition,
  type BuildResult,
  defineBuilder,
  type MaybePromise,
} from '../contract/builder.js';
import type { ResolvedImageSpec } from '../contract/spec.js';

describe('defineBuilder', () => {
  it('infers options from optionsSchema', () => {
    const definition = defineBuilder({
      apiVersion: 1,
      name: 'echo',
      priority: 10,
      optionsSchema: z.object({ prefix: z.string().default(''), replicas: z.number().optional() }),
      create(options, host) {
        expectTypeOf(options).toEqualTypeOf<{ prefix: string; replicas?: number | undefined }>();
        expectTypeOf(host.tempDir).returns.resolves.toHaveProperty('dispose');
        return {
          available: () => ({ ok: true }),
          supports: (spec) => {
            expectTypeOf(spec).toEqualTypeOf<ResolvedImageSpec>();
            return { ok: false, reason: 'never' };
          },
          build: async (request) => ({ image: request.image, pushed: false }),
        };
      },
    });
    expectTypeOf(definition).toExtend<BuilderDefinition<{ prefix: string; replicas?: number | undefined }>>();
  });

  it('rejects definitions that break the contract', () => {
    // @ts-expect-error apiVersion must be 1
    defineBuilder({ apiVersion: 2, name: 'x', priority: 1, create: () => ({}) as Builder });
    // @ts-expect-error priority is required
    defineBuilder({ apiVersion: 1, name: 'x', create: () => ({}) as Builder });
    defineBuilder({
      apiVersion: 1,
      name: 'x',
      priority: 1,
      create: () => ({
        available: () => ({ ok: true }),
        // @ts-expect-error a reason is required when not ok
        supports: () => ({ ok: false }),
        build: async () => ({ image: 'a', pushed: false }),
      }),
    });
  });

  it('lets hooks return values or promises', () => {
    expectTypeOf<Builder['available']>().returns.toEqualTypeOf<MaybePromise<Availability>>();
    expectTypeOf<Builder['build']>().returns.toEqualTypeOf<Promise<BuildResult>>();
  });
});

describe('defineConfig', () => {
  it('accepts what users naturally write', () => {
    const ci = process.env.CI === 'true';
    const inline = defineBuilder({
      apiVersion: 1,
      name: 'inline',
      priority: 1,
      create: () => ({
        available: () => ({ ok: true }),
        supports: () => ({ ok: true }),
        build: async (r) => ({ image: r.image, pushed: false }),
      }),
    });
    const config = defineConfig({
      builders: [
        '@imagespec/builder-docker',
        ['@imagespec/builder-kaniko', { namespace: 'ci' }],
        './my-builder.ts',
        ci && '@imagespec/builder-buildkit',
        [inline, [[null, undefined]]],
        [inline, { any: 'options' }],
      ],
      defaults: { registry: 'localhost:5000', platform: ['linux/amd64'], concurrency: 4 },
      registries: { 'localhost:5000': { insecure: true }, 'ecr.example': { credHelper: 'ecr-login', ca: './ca.pem' } },
      mirrors: { 'docker.io/': 'localhost:5000/hub/' },
    });
    expectTypeOf(config).toEqualTypeOf<ImagespecConfigInput>();
    expectTypeOf(defineConfig(async () => ({ builders: [] }))).returns.resolves.toEqualTypeOf<ImagespecConfigInput>();
    expectTypeOf<'a'>().toExtend<BuilderOption>();
  });

  it('rejects typos and wrong types', () => {
    // @ts-expect-error unknown field
    defineConfig({ bilders: [] });
    // @ts-expect-error platform is a string or a list of strings
    defineConfig({ defaults: { platform: 5 } });
    // @ts-expect-error a builder entry is not a number
    defineConfig({ builders: [42] });
  });

  it('keeps the resolved config deeply readonly', () => {
    const resolved = {} as ResolvedConfig;
    // @ts-expect-error readonly
    resolved.dir = '/x';
    const settings = {} as NonNullable<ResolvedConfig['registries'][string]>;
    // @ts-expect-error readonly, deeply
    settings.insecure = true;
    // @ts-expect-error readonly list
    resolved.builders.push(['x', {}]);
    expectTypeOf(resolved.defaults.platform).toEqualTypeOf<readonly string[] | undefined>();
  });
});
