import { createServer } from 'node:net';
import { errorCategory } from '@imagespec/core';
import { createBuildRequest } from '@imagespec/core/testing';
import { AUTH_PASSWORD, AUTH_USER, testEnv } from '@imagespec/test-env';
import { describe, expect, it } from 'vitest';
import {
  caught,
  createTestBuilder,
  docker,
  makeProject,
  manifestStatus,
  registryAccess,
  resolveSpec,
  runEngine,
  stepLines,
  uniqueName,
} from '../test/e2e-harness.js';

const env = testEnv();

/** A port on 127.0.0.1 where nothing listens. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe.each([
  ['classic', false],
  ['buildkit', true],
] as const)('failures on the real engine (%s builder)', (_label, buildkit) => {
  it('a failing RUN: the command and its output in the error, a build failure, nothing pushed', {
    timeout: 120_000,
  }, async () => {
    const spec = await resolveSpec(
      {
        name: uniqueName('failing'),
        registry: env.registry.host,
        baseImage: env.baseImages.busybox,
        commands: ['echo step-one-ok', 'echo about-to-fail-loudly && echo on-stderr >&2 && exit 7'],
      },
      await makeProject({}),
    );
    const { summary, events, builderEvents } = await runEngine([spec], { builder: { buildkit } });
    const [result] = summary.images;
    expect(result?.status).toBe('failed');
    const error = result?.error ?? { code: '', message: '' };
    expect(error.code).toBe('BUILD_FAILED');
    expect(errorCategory(error.code)).toBe('build'); // the CLI exits 1 for this category
    expect(error.message).toContain('echo about-to-fail-loudly && echo on-stderr >&2 && exit 7');
    expect(error.message).toMatch(/exit code: 7|non-zero code: 7/);
    expect(error.message).toContain('about-to-fail-loudly');
    expect(error.message).toContain('on-stderr');
    expect(stepLines(builderEvents).some((line) => line.startsWith('error ') && line.includes('exit 7'))).toBe(true);
    expect(events.map((e) => e.type)).not.toContain('pushed');
    expect(await manifestStatus(env.registry.url, result?.image ?? '')).toBe(404);
  });

  it('a failing verify command: VERIFY_FAILED with its output, nothing pushed, no local tag left', {
    timeout: 120_000,
  }, async () => {
    const spec = await resolveSpec(
      {
        name: uniqueName('verify-fails'),
        registry: env.registry.host,
        baseImage: env.baseImages.busybox,
        commands: ['echo content > /content'],
        verify: ['cat /content', 'echo checking-missing-file && test -f /not-there'],
      },
      await makeProject({}),
    );
    const prepared = await createBuildRequest(spec);
    const error = await caught((await createTestBuilder({ buildkit })).build(prepared.request));
    expect(error.code).toBe('VERIFY_FAILED');
    expect(error.message).toContain('echo checking-missing-file && test -f /not-there');
    expect(error.message).toContain('checking-missing-file');
    expect(stepLines(prepared.events)).toContain('done verify 1/2: cat /content');
    expect(await manifestStatus(env.registry.url, prepared.request.image)).toBe(404);
    expect(() => docker('image', 'inspect', prepared.request.image)).toThrow();
    expect(docker('ps', '-aq', '--filter', 'label=dev.imagespec.verify')).toBe('');
  });

  it('a registry that is down: a registry error naming the host, nothing left half done', {
    timeout: 120_000,
  }, async () => {
    const host = `127.0.0.1:${await deadPort()}`;
    const spec = await resolveSpec(
      { name: uniqueName('no-registry-there'), registry: host, baseImage: env.baseImages.busybox, commands: ['true'] },
      await makeProject({}),
    );
    const prepared = await createBuildRequest(spec);
    const error = await caught((await createTestBuilder({ buildkit })).build(prepared.request));
    expect(error.code).toBe('REGISTRY_UNREACHABLE');
    expect(error.message).toContain(host);
    expect(error.message).toMatch(/connection refused/);
    expect(error.hint).toMatch(/registry is down/);
    docker('rmi', prepared.request.image);
  });

  it('a registry refusing auth: REGISTRY_AUTH without or with wrong credentials, pushed with the right ones', {
    timeout: 120_000,
  }, async () => {
    const host = env.authRegistry.host;
    const spec = await resolveSpec(
      {
        name: uniqueName('auth-push'),
        registry: host,
        baseImage: env.baseImages.busybox,
        commands: ['echo pushed-with-auth'],
      },
      await makeProject({}),
    );
    const prepared = await createBuildRequest(spec);
    const anonymous = await caught((await createTestBuilder({ buildkit })).build(prepared.request));
    expect(anonymous.code).toBe('REGISTRY_AUTH');
    expect(anonymous.message).toContain(host);
    expect(anonymous.hint).toMatch(/No credentials for/);
    const wrong = registryAccess({ [host]: { username: AUTH_USER, password: 'not-the-password' } });
    const refused = await caught((await createTestBuilder({ buildkit }, wrong)).build(prepared.request));
    expect(refused.code).toBe('REGISTRY_AUTH');
    const right = registryAccess({ [host]: { username: AUTH_USER, password: AUTH_PASSWORD } });
    const result = await (await createTestBuilder({ buildkit }, right)).build(prepared.request);
    expect(result).toMatchObject({ pushed: true, image: prepared.request.image });
    docker('rmi', prepared.request.image);
  });

  it('a base image behind auth is pulled with the credentials of its registry', { timeout: 120_000 }, async () => {
    const host = env.authRegistry.host;
    const base = `${host}/imagespec-test/private-base:${buildkit ? 'bk' : 'classic'}`;
    const right = registryAccess({ [host]: { username: AUTH_USER, password: AUTH_PASSWORD } });
    // Put a private base in the auth registry (pushed through the builder, credentials from the access).
    const seed = await resolveSpec(
      { name: 'private-base', baseImage: env.baseImages.busybox, commands: ['echo private > /private'] },
      await makeProject({}),
    );
    const seeded = await createBuildRequest(seed, { push: false });
    await (await createTestBuilder({ buildkit }, right)).build(seeded.request);
    docker('tag', seeded.request.image, base);
    await (await createTestBuilder({ buildkit }, right)).build({ ...seeded.request, image: base, push: true });
    docker('rmi', base, seeded.request.image);

    const spec = await resolveSpec(
      { name: uniqueName('from-private'), baseImage: base, commands: [`cat /private && echo ${uniqueName('nonce')}`] },
      await makeProject({}),
    );
    const prepared = await createBuildRequest(spec, { push: false });
    const denied = await caught((await createTestBuilder({ buildkit })).build(prepared.request));
    expect(denied.code).toBe('REGISTRY_AUTH');
    expect(denied.message).toContain(host);
    const result = await (await createTestBuilder({ buildkit }, right)).build(prepared.request);
    expect(result.pushed).toBe(false);
    expect(prepared.events.some((e) => e.type === 'log' && e.line === 'private')).toBe(true);
    docker('rmi', prepared.request.image);
  });
});
