import { type BuilderHost, defineBuilder, type RegistryBlobClient } from '@imagespec/core/builder';
import { createBuilderHost } from '@imagespec/core/engine';
import { createBuilderSelection, validateBuilderDefinition } from '@imagespec/core/plugin';
import { normalizeSpec } from '@imagespec/core/spec';
import { describe, expect, it } from 'vitest';
import oci from './index.js';

const host = (registry: RegistryBlobClient | undefined): BuilderHost => ({
  logger: { debug: () => {}, info: () => {}, warn: () => {} },
  registries: { credentials: async () => undefined, insecure: () => true, mirror: (r: string) => r },
  cwd: '/project',
  env: {},
  tempDir: () => Promise.reject(new Error('not in this test')),
  ...(registry && { registry }),
});
const options = (input: Record<string, unknown>) => {
  const parsed = oci.optionsSchema!.safeParse(input);
  if (!parsed.success) throw new Error('bad options');
  return parsed.data;
};
const withVerify = normalizeSpec(
  { name: 'app', baseImage: 'busybox:1', copy: ['x'], verify: ['true'] },
  { dir: '/project' },
);

describe('@imagespec/builder-oci', () => {
  it('is a valid builder definition with priority 70, above buildkit and docker', () => {
    expect(validateBuilderDefinition(oci, '@imagespec/builder-oci')).toMatchObject({
      apiVersion: 1,
      name: 'oci',
      priority: 70,
    });
  });

  it('is unavailable with a core that gives builders no registry client', async () => {
    const builder = await oci.create(options({ engine: false }), host(undefined));
    expect(await builder.available()).toEqual({
      ok: false,
      reason: 'this @imagespec/core gives builders no registry client (BuilderHost.registry); update it',
    });
  });

  it('takes a spec with verify until it knows there is no engine, then says why not', async () => {
    const builder = await oci.create(options({ engine: false }), host({} as RegistryBlobClient));
    expect(builder.supports(withVerify)).toEqual({ ok: true });
    expect(await builder.available()).toEqual({ ok: true });
    expect(builder.supports(withVerify)).toEqual({
      ok: false,
      reason:
        'verify needs a local Docker engine to run the commands in before the tag is put, and the oci builder has engine: false',
    });
  });
});

describe('selection with builder-oci configured', () => {
  it('passes a Dockerfile spec to the next builder by priority, saying why oci does not take it', async () => {
    const debug: string[] = [];
    const host = createBuilderHost({
      logger: { debug: (message) => debug.push(message), info: () => {}, warn: () => {} },
      registries: { credentials: async () => undefined, insecure: () => true, mirror: (r: string) => r },
      cwd: '/project',
      env: {},
    });
    const daemon = defineBuilder({
      apiVersion: 1,
      name: 'daemon',
      priority: 50,
      create: () => ({
        available: () => ({ ok: true }),
        supports: () => ({ ok: true }),
        build: async (request) => ({ image: request.image, pushed: false }),
      }),
    });
    const builders = createBuilderSelection(
      [
        [oci, { engine: false }],
        [daemon, {}],
      ],
      host,
    );
    try {
      const own = normalizeSpec({ name: 'app', dockerfile: 'Dockerfile' }, { dir: '/project' });
      expect((await builders.select(own)).name).toBe('daemon');
      expect(debug).toContainEqual(expect.stringContaining('oci does not support app: builder-oci writes files'));
      expect((await builders.select(withVerify)).name).toBe('daemon');
      expect((await builders.select(normalizeSpec({ name: 'app', copy: ['x'] }, { dir: '/project' }))).name).toBe(
        'oci',
      );
    } finally {
      await builders.dispose();
      await host.dispose();
    }
  });
});
