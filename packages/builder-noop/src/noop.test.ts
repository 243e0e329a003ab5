import type { ResolvedImageSpec } from '@imagespec/core';
import { validateBuilderDefinition } from '@imagespec/core/plugin';
import { normalizeSpec } from '@imagespec/core/spec';
import { createBuildRequest } from '@imagespec/core/testing';
import { describe, expect, it } from 'vitest';
import noop from './index.js';

/** A resolved spec as the normalizer makes it, with fields set the way a test needs them. */
function spec(overrides: Partial<ResolvedImageSpec> = {}): ResolvedImageSpec {
  const base = normalizeSpec(
    { name: 'app', baseImage: '127.0.0.1:5000/imagespec-test/busybox:1' },
    { dir: '/project', file: '/project/imagespec.yaml' },
  );
  return { ...base, ...overrides };
}

const host = {
  logger: { debug: () => {}, info: () => {}, warn: () => {} },
  registries: { credentials: async () => undefined, insecure: () => true, mirror: (r: string) => r },
  cwd: '/project',
  env: {},
  tempDir: () => Promise.reject(new Error('noop needs no temp dir')),
};

describe('@imagespec/builder-noop', () => {
  it('is a valid builder definition with priority 0', () => {
    const definition = validateBuilderDefinition(noop, '@imagespec/builder-noop');
    expect(definition).toMatchObject({ apiVersion: 1, name: 'noop', priority: 0 });
  });

  it('supports a spec that adds nothing to a string base image (platform and pythonVersion describe the base)', async () => {
    const builder = await noop.create({}, host);
    expect(await builder.available()).toEqual({ ok: true });
    expect(builder.supports(spec({ platforms: ['linux/amd64'], pythonVersion: '3.12' }))).toEqual({ ok: true });
  });

  it('names exactly what it would drop', async () => {
    const builder = await noop.create({}, host);
    const full = spec({
      packages: ['numpy==2.1.0'],
      aptPackages: ['git'],
      commands: ['echo hi'],
      copy: [{ src: '/project/config', dest: '/root/config' }],
      sourceRoot: '/project',
      env: { A: '1' },
      labels: { team: 'ml' },
      requirements: { path: '/project/requirements.txt', kind: 'requirements.txt' },
      verify: ['python -c 1'],
      entrypoint: ['python'],
      user: 'app',
    });
    expect(builder.supports(full)).toMatchInlineSnapshot(`
      {
        "ok": false,
        "reason": "noop uses the base image as is and would drop aptPackages (git); requirements (/project/requirements.txt); packages (numpy==2.1.0); copy (/project/config); commands (echo hi); sourceRoot (/project); env (A); labels (team); user (app); entrypoint (python); verify (python -c 1)",
      }
    `);
    expect(builder.supports(spec({ sourceRoot: '/project', sourceCopyMode: 'none' }))).toEqual({ ok: true });
  });

  it('refuses a base that is itself a spec', async () => {
    const builder = await noop.create({}, host);
    expect(builder.supports(spec({ baseImage: spec({ name: 'base' }) }))).toEqual({
      ok: false,
      reason: 'its base is the spec "base", which must be built; noop only uses an existing image as is',
    });
  });

  it('refuses a spec that brings its own Dockerfile (#12)', async () => {
    const builder = await noop.create({}, host);
    const dockerfile = { path: '/project/Dockerfile', context: '/project', buildArgs: {} };
    expect(builder.supports(spec({ baseImage: 'scratch', dockerfile }))).toEqual({
      ok: false,
      reason: 'it builds its own Dockerfile (/project/Dockerfile); noop builds nothing',
    });
  });

  it('builds nothing: returns the base image FROM would use, not pushed, and says so', async () => {
    const builder = await noop.create({}, host);
    const lines: string[] = [];
    const base =
      '127.0.0.1:5000/imagespec-test/busybox:1@sha256:0000000000000000000000000000000000000000000000000000000000000000';
    const made = await createBuildRequest(spec(), {
      baseImage: base,
      push: true,
      onEvent: (event) => lines.push(event.type === 'log' ? event.line : event.type),
    });
    const request = {
      ...made.request,
      dockerfile: () => {
        throw new Error('noop renders no Dockerfile');
      },
      context: () => {
        throw new Error('noop sends no context');
      },
    };
    expect(await builder.build(request)).toEqual({ image: request.baseImage, pushed: false });
    expect(lines).toEqual([`noop: app is ${request.baseImage} as is (nothing built, nothing pushed)`]);
    expect(await builder.plan?.(request)).toEqual({ action: 'use the base image as is', image: request.baseImage });
  });
});
