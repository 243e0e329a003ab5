import { randomUUID } from 'node:crypto';
import type { ImageSpecInput } from '@imagespec/core';
import { testEnv } from '@imagespec/test-env';
import { describe, expect, it } from 'vitest';
import { createTestBuilder, docker, makeProject, resolveSpec, runEngine, uniqueName } from '../../test/e2e-harness.js';

const env = testEnv();

/**
 * A spec whose packages install only with its secret: the secret is a pip.conf naming the
 * local index, and the spec names none, so without the secret pip has nowhere to go.
 */
async function secretSpec(secret: { env?: string; src?: string }) {
  const dir = await makeProject({ 'src/main.py': 'import isp_beta\nprint(isp_beta.VALUE)\n' });
  const input: ImageSpecInput = {
    name: uniqueName('py-secret'),
    baseImage: env.baseImages.python,
    // A specifier unique to this run keeps the install RUN out of the engine's cache, so pip
    // really runs (with the secret) every time; it still resolves to isp-beta 2.0.0.
    packages: [`isp-beta==2.0.0,!=1.${Date.now()}`],
    pipSecretMounts: [{ id: 'pipconf', target: '/etc/pip.conf', ...secret }],
    sourceRoot: 'src',
    workdir: '/app',
    cmd: ['python3', '/app/main.py'],
  };
  return resolveSpec(input, dir);
}

describe('pip secret mounts through the build session (BuildKit)', () => {
  it('serves the secret to the pip install RUN only: not in the image, its history, its config or the events', {
    timeout: 300_000,
  }, async () => {
    const marker = `isp-secret-${randomUUID()}`;
    const pipConf = `[global]\nindex-url = ${env.pipIndex.url}\n# ${marker}\n`;
    const spec = await secretSpec({ env: 'ISP_TEST_PIP_CONF' });
    const run = await runEngine([spec], { builder: { buildkit: true }, env: { ISP_TEST_PIP_CONF: pipConf } });
    const result = run.summary.images[0];
    expect(result?.error).toBeUndefined();
    expect(result?.status).toBe('built');
    expect(run.builderEvents).toContainEqual(
      expect.objectContaining({ type: 'step', status: 'done', name: expect.stringMatching(/pip install/) }),
    );
    const image = result?.image ?? '';
    try {
      expect(docker('run', '--rm', '--network', 'host', image)).toBe('beta+alpha\n');
      const shell = (script: string) => docker('run', '--rm', '--entrypoint', 'sh', image, '-c', script);
      expect(shell('test -e /etc/pip.conf && echo present || echo absent')).toBe('absent\n');
      expect(shell(`grep -rl ${marker} /etc /root /app /tmp /usr/local 2>/dev/null; true`)).toBe('');
      expect(docker('history', '--no-trunc', image)).not.toContain(marker);
      expect(docker('image', 'inspect', image)).not.toContain(marker);
      expect(JSON.stringify([run.events, run.builderEvents])).not.toContain(marker);
    } finally {
      docker('rmi', '-f', image);
    }
  });

  it('a secret read from a file that is not there fails before building, naming the secret and the file', async () => {
    const spec = await secretSpec({ src: '/nonexistent/pip.conf' });
    const run = await runEngine([spec], { builder: { buildkit: true } });
    expect(run.summary.images[0]).toMatchObject({
      status: 'failed',
      error: { code: 'FILE_NOT_FOUND', message: expect.stringContaining('"pipconf"') },
    });
    expect(run.summary.images[0]?.error?.message).toContain('/nonexistent/pip.conf');
  });

  it('a secret variable that is not set fails before building, naming the variable', async () => {
    const spec = await secretSpec({ env: 'ISP_TEST_UNSET_SECRET' });
    const run = await runEngine([spec], { builder: { buildkit: true } });
    expect(run.summary.images[0]).toMatchObject({
      status: 'failed',
      error: { code: 'BUILD_FAILED', message: expect.stringContaining('ISP_TEST_UNSET_SECRET, which is not set') },
    });
    expect(run.builderEvents.filter((event) => event.type === 'step')).toEqual([]);
  });

  it('is refused, pointing to what works, without BuildKit or with the tar transport', async () => {
    const spec = await secretSpec({ env: 'X' });
    const classic = await createTestBuilder({ buildkit: false });
    expect(classic.supports(spec)).toEqual({ ok: false, reason: expect.stringContaining('buildkit: false') });
    const tar = await createTestBuilder({ contextTransport: 'tar' });
    expect(tar.supports(spec)).toEqual({ ok: false, reason: expect.stringContaining("contextTransport: 'tar'") });
    expect((await createTestBuilder()).supports(spec)).toEqual({ ok: true });
  });
});
