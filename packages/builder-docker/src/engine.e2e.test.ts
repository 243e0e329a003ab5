import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createBuildRequest } from '@imagespec/core/testing';
import { testEnv } from '@imagespec/test-env';
import { describe, expect, it } from 'vitest';
import { createTestBuilder, docker, makeProject, resolveSpec, runEngine, uniqueName } from '../test/e2e-harness.js';

const env = testEnv();

describe('engine connection', () => {
  it('is available on the test engine', async () => {
    expect(await (await createTestBuilder()).available()).toEqual({ ok: true });
  });

  it('says why when no engine listens on the socket (engine stopped)', { timeout: 30_000 }, async () => {
    const socketPath = join(tmpdir(), `${uniqueName('no-engine')}.sock`);
    const builder = await createTestBuilder({ socketPath });
    const availability = await builder.available();
    expect(availability).toEqual({
      ok: false,
      reason: expect.stringContaining(`no Docker engine answers at unix://${socketPath}`),
    });
    const spec = await resolveSpec({ name: 'x', baseImage: env.baseImages.busybox }, await makeProject({}));
    const error = await builder.build((await createBuildRequest(spec, { push: false })).request).catch((e) => e);
    expect(error.code).toBe('DAEMON_UNREACHABLE');
    expect(error.message).toContain(`unix://${socketPath}`);
    expect(error.hint).toMatch(/Start the Docker engine/);
  });

  it('gives up on an engine that accepts but never answers, within the ping timeout', { timeout: 30_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'imagespec-silent-'));
    const socketPath = join(dir, 'silent.sock');
    const server = createServer(() => {}); // accepts, never answers
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      const availability = await (await createTestBuilder({ socketPath })).available();
      expect(availability).toEqual({ ok: false, reason: expect.stringMatching(/no answer within 3 s/) });
    } finally {
      server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe.each([
  ['classic', false],
  ['buildkit', true],
] as const)('engine behaviour (%s builder)', (_label, buildkit) => {
  it('cancel mid-build stops the build on the engine and leaves no container behind', {
    timeout: 120_000,
  }, async () => {
    const marker = uniqueName('cancel-marker');
    const spec = await resolveSpec(
      { name: uniqueName('cancelled'), baseImage: env.baseImages.busybox, commands: [`echo ${marker} && sleep 60`] },
      await makeProject({}),
    );
    const controller = new AbortController();
    const prepared = await createBuildRequest(spec, {
      push: false,
      signal: controller.signal,
      // Abort once the sleeping command has printed its marker: it is running on the engine.
      onEvent: (event) => {
        if (event.type === 'log' && event.line === marker) setTimeout(() => controller.abort(), 300);
      },
    });
    const error = await (await createTestBuilder({ buildkit })).build(prepared.request).catch((e) => e);
    expect(error.code).toBe('CANCELLED');
    expect(docker('ps', '-a', '--no-trunc', '--format', '{{.Command}}')).not.toContain(marker);
    // The command itself is gone from the machine (the engine runs here), not left sleeping.
    const deadline = Date.now() + 15_000;
    let running = true;
    while (running && Date.now() < deadline) {
      running = spawnSync('pgrep', ['-f', `${marker} && sleep`]).status === 0;
      if (running) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(running).toBe(false);
    expect(() => docker('image', 'inspect', prepared.request.image)).toThrow();
  });

  it('without a registry the image stays in the local engine, and exists() asks the engine', {
    timeout: 120_000,
  }, async () => {
    const spec = await resolveSpec(
      { name: uniqueName('local-only'), baseImage: env.baseImages.busybox, commands: ['echo local > /local'] },
      await makeProject({}),
    );
    const builder = await createTestBuilder({ buildkit });
    const prepared = await createBuildRequest(spec);
    expect(prepared.request.push).toBe(false);
    expect(await builder.exists(prepared.request.image)).toBe(false);
    expect(await builder.build(prepared.request)).toMatchObject({ image: prepared.request.image, pushed: false });
    expect(await builder.exists(prepared.request.image)).toBe(true);
    // The engine's existence check for an image without a registry asks the builder's engine.
    const { summary } = await runEngine([spec], { builder: { buildkit } });
    expect(summary.images[0]).toMatchObject({ image: prepared.request.image, status: 'skipped' });
    docker('rmi', prepared.request.image);
    expect(await builder.exists(prepared.request.image)).toBe(false);
  });

  it('passes platform, build args, labels, target and the network mode to the engine', {
    timeout: 120_000,
  }, async () => {
    const spec = await resolveSpec(
      { name: uniqueName('options'), baseImage: env.baseImages.busybox },
      await makeProject({}),
    );
    const prepared = await createBuildRequest(spec, { push: false });
    const dockerfile = [
      `FROM ${env.baseImages.busybox} AS first`,
      'ARG FLAVOUR=plain',
      'RUN echo "flavour=$FLAVOUR" > /flavour',
      // Reaches the pip index on the host's loopback: only with network host.
      `RUN wget -q -O /index.html ${env.pipIndex.url}`,
      'FROM first AS second',
      'RUN echo second > /second',
      'FROM first AS third',
      'RUN echo third > /third',
      '',
    ].join('\n');
    const request = {
      ...prepared.request,
      platforms: ['linux/amd64'],
      dockerfile: () => dockerfile,
      context: () => Readable.from([tarOf('Dockerfile', dockerfile)]),
    };
    const builder = await createTestBuilder({
      buildkit,
      buildArgs: { FLAVOUR: 'spicy' },
      labels: { team: 'ml' },
      target: 'second',
    });
    await builder.build(request);
    const config = JSON.parse(docker('image', 'inspect', '--format', '{{json .}}', request.image));
    expect(config.Architecture).toBe('amd64');
    expect(config.Config.Labels).toMatchObject({ team: 'ml' });
    expect(
      docker(
        'run',
        '--rm',
        '--network',
        'none',
        request.image,
        'sh',
        '-c',
        'cat /flavour /second; ls /third 2>&1; grep -c isp-alpha /index.html',
      ),
    ).toBe('flavour=spicy\nsecond\nls: /third: No such file or directory\n1\n');
    docker('rmi', request.image);
  });

  it('pip secret mounts: served with BuildKit (secrets.e2e.test.ts); the classic builder refuses them and no build starts', async () => {
    const dir = await makeProject({ 'pip.conf': '[global]\nindex-url = http://user:s3cr3t@127.0.0.1:1/simple/\n' });
    const spec = await resolveSpec(
      {
        name: uniqueName('secret'),
        baseImage: env.baseImages.python,
        packages: ['isp-alpha'],
        pipSecretMounts: [{ src: 'pip.conf', target: '/etc/pip.conf' }],
      },
      dir,
    );
    const builder = await createTestBuilder({ buildkit });
    if (buildkit) {
      expect(builder.supports(spec)).toEqual({ ok: true });
      return;
    }
    expect(builder.supports(spec)).toEqual({
      ok: false,
      reason: expect.stringContaining('@imagespec/builder-buildkit'),
    });
    const prepared = await createBuildRequest(spec, { push: false });
    const error = await builder.build(prepared.request).catch((e) => e);
    expect(error.code).toBe('BUILDER_UNSUPPORTED');
    expect(prepared.events).toEqual([]);
    expect(JSON.stringify(error)).not.toContain('s3cr3t');
  });
});

/** A one-file tar (ustar), enough for a hand-written Dockerfile. */
function tarOf(name: string, text: string): Buffer {
  const data = Buffer.from(text);
  const header = Buffer.alloc(512);
  header.write(name, 0);
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
  header.write('00000000000\0', 136);
  header.write('        ', 148);
  header.write('0', 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const padding = Buffer.alloc((512 - (data.length % 512)) % 512);
  return Buffer.concat([header, data, padding, Buffer.alloc(1024)]);
}
