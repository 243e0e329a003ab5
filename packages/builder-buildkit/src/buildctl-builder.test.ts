import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuilderEvent, BuildRequest, ContextOptions, ResolvedImageSpec } from '@imagespec/core';
import { isImagespecError } from '@imagespec/core';
import { pack } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { FIXTURES, failedIn, success, useStandInBuildctl } from '../test/stand-in-builder.js';
import type { BuildkitBuildResult } from './buildctl-builder.js';

// The adapter end to end against the buildctl STAND-IN (test/fake-buildctl.ts), which
// replays real recordings: this checks process handling, temp dirs, credentials and events.
// The same flow against a real daemon is buildkit.e2e.test.ts.

const standIn = useStandInBuildctl();
const { setup } = standIn;

/** Like core's context tar: the Dockerfile at its root unless asked for the context alone. */
function contextTar(options: ContextOptions): NodeJS.ReadableStream {
  const p = pack();
  if (options.dockerfile !== false) p.entry({ name: 'Dockerfile', mtime: new Date(0) }, 'FROM from-the-tar\n');
  p.entry({ name: '_imagespec/copy/0/app.txt', mtime: new Date(0) }, 'app content\n');
  p.finalize();
  return p as unknown as NodeJS.ReadableStream;
}

function request(overrides: Partial<BuildRequest> = {}): BuildRequest & { emitted: BuilderEvent[] } {
  const emitted: BuilderEvent[] = [];
  return {
    spec: {
      name: 'app',
      registry: '127.0.0.1:5000/bk',
      verify: [],
      origin: { dir: '/' },
    } as unknown as ResolvedImageSpec,
    image: '127.0.0.1:5000/bk/app:3kq7',
    hash: '3kq7',
    baseImage: '127.0.0.1:5000/busybox:1',
    push: true,
    platforms: [],
    secrets: [],
    dockerfile: (dialect) => `FROM 127.0.0.1:5000/busybox:1\n# dialect: ${dialect}\n`,
    context: (options) => contextTar(options),
    events: { emit: (event) => emitted.push(event) },
    signal: new AbortController().signal,
    emitted,
    ...overrides,
  };
}

async function waitForFile(path: string): Promise<void> {
  while (!existsSync(path)) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('buildkit builder: available()', () => {
  it('is available when buildctl debug workers lists a worker', async () => {
    const { builder, record } = setup({ workers: 'ok' });
    expect(await builder.available()).toEqual({ ok: true });
    expect((await record()).argv).toEqual(['--addr', 'tcp://buildkitd.test:1234', 'debug', 'workers']);
  });

  it('says why not: no workers, unreachable, not answering, buildctl missing, TLS file missing', async () => {
    expect(await setup({ workers: 'none' }).builder.available()).toEqual({
      ok: false,
      reason: 'buildkitd at tcp://buildkitd.test:1234 (from the addr option) has no workers',
    });
    const refused =
      'error: failed to list workers: Unavailable: connection error: desc = "transport: Error while dialing: dial tcp 10.0.0.7:1234: connect: connection refused"';
    expect(await setup({ workers: { stderr: refused, exit: 1 } }).builder.available()).toEqual({
      ok: false,
      reason: `cannot reach buildkitd at tcp://buildkitd.test:1234 (from the addr option): ${refused.slice(7)}`,
    });
    expect(await setup({ workers: 'hang' }, { probeTimeoutMs: 300 }).builder.available()).toEqual({
      ok: false,
      reason:
        'buildkitd at tcp://buildkitd.test:1234 (from the addr option) did not answer `buildctl debug workers` within 300 ms',
    });
    expect(await setup({}, { buildctl: join(standIn.root, 'missing', 'buildctl') }).builder.available()).toEqual({
      ok: false,
      reason: `buildctl not found ("${join(standIn.root, 'missing', 'buildctl')}")`,
    });
    expect(await setup({ workers: 'ok' }, { tls: { ca: 'nope/ca.pem' } }).builder.available()).toEqual({
      ok: false,
      reason: `the buildkit builder's tls.ca (${join(standIn.root, 'nope/ca.pem')}) does not exist`,
    });
  });

  it('takes the address from BUILDKIT_HOST', async () => {
    const { builder, record } = setup({ workers: 'ok' }, { addr: undefined }, { BUILDKIT_HOST: 'tcp://from-env:1234' });
    await builder.available();
    expect((await record()).argv.slice(0, 2)).toEqual(['--addr', 'tcp://from-env:1234']);
  });
});

describe('buildkit builder: build()', () => {
  it('builds and pushes: events from the progress, digest from the metadata file, temp dir removed', async () => {
    const { builder, temps, record } = setup(success);
    const req = request();
    const result = await builder.build(req);
    expect(result).toEqual({
      image: '127.0.0.1:5000/bk/app:3kq7',
      digest: 'sha256:bf106cd76215461db235de5778451af44e70a2199bc3802d63a6abb604e997ba',
      pushed: true,
    });
    expect(req.emitted.filter((event) => event.type === 'log').map((event) => event.line)).toEqual([
      'building',
      'to-stderr',
    ]);
    expect(req.emitted.filter((event) => event.type === 'step' && event.status === 'done')).toHaveLength(10);

    const seen = await record();
    // buildctl saw the extracted context and the Dockerfile in the buildkit dialect, in their own folders.
    expect(seen.contextFiles).toEqual(['_imagespec/copy/0/app.txt']);
    expect(seen.dockerfileFiles).toEqual(['Dockerfile', 'Dockerfile.dockerignore']);
    expect(seen.dockerfile).toBe('FROM 127.0.0.1:5000/busybox:1\n# dialect: buildkit\n');
    // No credentials known for 127.0.0.1:5000: buildctl keeps the user's own Docker config.
    expect(seen.dockerConfigDir).toBeNull();
    expect(temps).toHaveLength(1);
    expect(existsSync(temps[0] as string)).toBe(false);
    // plan() is the argv that ran, up to the temp folder.
    const plan = await builder.plan?.(request());
    expect(plan).toMatchObject({ builder: 'buildkit', command: standIn.fake, addr: 'tcp://buildkitd.test:1234' });
    expect(seen.argv.map((arg: string) => arg.replaceAll(temps[0] as string, '<temp>'))).toEqual(plan?.argv);
    expect(plan?.argv).toMatchInlineSnapshot(`
      [
        "--addr",
        "tcp://buildkitd.test:1234",
        "build",
        "--frontend",
        "dockerfile.v0",
        "--opt",
        "filename=Dockerfile",
        "--local",
        "context=<temp>/context",
        "--local",
        "dockerfile=<temp>/dockerfile",
        "--output",
        "type=image,name=127.0.0.1:5000/bk/app:3kq7,push=true,registry.insecure=true",
        "--progress",
        "rawjson",
        "--metadata-file",
        "<temp>/metadata.json",
      ]
    `);
  });

  it('hands buildctl a private Docker config with the credentials imagespec knows, then removes it', async () => {
    const { builder, temps, record } = setup(success, { cache: { type: 'registry' } });
    await builder.build(request({ image: '127.0.0.1:5001/bk/app:3kq7' }));
    const seen = await record();
    expect(seen.dockerConfigDir.startsWith(temps[0])).toBe(true);
    expect(seen.dockerConfig).toEqual({
      auths: { '127.0.0.1:5001': { auth: Buffer.from('imagespec:test-password-1').toString('base64') } },
    });
    expect(seen.argv).toContain(
      'type=registry,ref=127.0.0.1:5001/bk/app:buildcache,mode=max,image-manifest=true,oci-mediatypes=true,registry.insecure=true',
    );
    expect(existsSync(seen.dockerConfigDir)).toBe(false);
  });

  it("gives buildctl the credentials of every registry the build pulls from (request.pulls), not only the base image's", async () => {
    const { builder, record } = setup(success);
    await builder.build(request({ pulls: ['127.0.0.1:5000/busybox:1', '127.0.0.1:5001/tools/gcc:13'] }));
    expect((await record()).dockerConfig).toEqual({
      auths: { '127.0.0.1:5001': { auth: Buffer.from('imagespec:test-password-1').toString('base64') } },
    });
  });

  it('a failing RUN rejects with the step, exit code and output, and still cleans up', async () => {
    const { builder, temps } = setup({ build: { stderrFile: `${FIXTURES}progress-rawjson-failed.ndjson`, exit: 1 } });
    const req = request();
    const error = await builder.build(req).catch((e: unknown) => e);
    expect(isImagespecError(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'BUILD_FAILED',
      details: { step: '[2/2] RUN echo about to fail; exit 3', stepExitCode: 3, lastLogLines: ['about to fail'] },
    });
    expect(req.emitted).toContainEqual(
      expect.objectContaining({ type: 'step', status: 'error', name: '[2/2] RUN echo about to fail; exit 3' }),
    );
    expect(existsSync(temps[0] as string)).toBe(false);
  });

  it('cancellation stops buildctl with SIGINT, rejects CANCELLED and removes the temp dir', async () => {
    const { builder, temps, recordFile, signalFile } = setup({ build: { hang: true, stderr: ['{"vertexes":[]}'] } });
    const controller = new AbortController();
    const building = builder.build(request({ signal: controller.signal }));
    await waitForFile(recordFile);
    controller.abort();
    await expect(building).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(await readFile(signalFile, 'utf8')).toBe('SIGINT\n');
    expect(existsSync(temps[0] as string)).toBe(false);
  });

  it('an already-cancelled request never starts buildctl', async () => {
    const { builder, recordFile, temps } = setup(success);
    const controller = new AbortController();
    controller.abort();
    await expect(builder.build(request({ signal: controller.signal }))).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(existsSync(recordFile)).toBe(false);
    expect(temps).toEqual([]);
  });

  it('cancellation while the context is unpacked rejects CANCELLED without starting buildctl', async () => {
    const { builder, recordFile, temps } = setup(success);
    const controller = new AbortController();
    const { PassThrough } = await import('node:stream');
    const slow = new PassThrough();
    const building = builder.build(request({ signal: controller.signal, context: () => slow }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort();
    await expect(building).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(existsSync(recordFile)).toBe(false);
    expect(temps.filter((dir) => existsSync(dir))).toEqual([]);
  });

  it('the time limit stops buildctl and rejects TIMEOUT', async () => {
    const { builder } = setup({ build: { hang: true } }, { timeoutMs: 300 });
    await expect(builder.build(request())).rejects.toMatchObject({ code: 'TIMEOUT' });
  });

  it('refuses an unpushed build without ociDir, before running anything', async () => {
    const { builder, recordFile } = setup(success);
    await expect(builder.build(request({ push: false }))).rejects.toMatchObject({ code: 'BUILDER_UNSUPPORTED' });
    expect(existsSync(recordFile)).toBe(false);
    expect(builder.supports({ name: 'app' } as ResolvedImageSpec)).toMatchObject({ ok: false });
    expect(builder.supports({ name: 'app', registry: 'r.example' } as ResolvedImageSpec)).toEqual({ ok: true });
  });

  it('writes an OCI tarball into ociDir when not pushing, and returns its path', async () => {
    const { builder, record, temps } = setup(success, { ociDir: 'oci-out' });
    const result = (await builder.build(request({ push: false }))) as BuildkitBuildResult;
    expect(result.pushed).toBe(false);
    expect(result.ociTarball).toBe(join(standIn.root, 'oci-out', '127.0.0.1_5000_bk_app_3kq7.oci.tar'));
    expect(await readFile(result.ociTarball as string, 'utf8')).toBe('oci layout tarball from the stand-in');
    // Written into the temp folder, moved out only once the build succeeded.
    expect((await record()).argv).toContain(`type=oci,dest=${temps[0]}/image.oci.tar,name=127.0.0.1:5000/bk/app:3kq7`);
    expect(await builder.plan?.(request({ push: false }))).toMatchObject({ ociTarball: result.ociTarball });
    expect(builder.supports({ name: 'app' } as ResolvedImageSpec)).toEqual({ ok: true });
  });

  it('leaves no partial OCI tarball behind when the build fails', async () => {
    const { builder } = setup(
      { build: { stderrFile: `${FIXTURES}progress-rawjson-failed.ndjson`, exit: 1 } },
      { ociDir: 'oci-failed' },
    );
    await expect(builder.build(request({ push: false }))).rejects.toMatchObject({ code: 'BUILD_FAILED' });
    expect(existsSync(join(standIn.root, 'oci-failed', '127.0.0.1_5000_bk_app_3kq7.oci.tar'))).toBe(false);
  });

  it('checks secret sources before running: a missing file, an unset variable', async () => {
    const { builder, recordFile } = setup(success);
    await expect(
      builder.build(
        request({ secrets: [{ id: 'netrc', src: join(standIn.root, 'no-netrc'), target: '/root/.netrc' }] }),
      ),
    ).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    await expect(
      builder.build(request({ secrets: [{ id: 'pip', env: 'IMAGESPEC_TEST_UNSET_SECRET', target: '/etc/pip.conf' }] })),
    ).rejects.toMatchObject({ code: 'BUILD_FAILED', message: expect.stringContaining('IMAGESPEC_TEST_UNSET_SECRET') });
    expect(existsSync(recordFile)).toBe(false);
  });

  it('passes secrets by reference: the value never appears in argv', async () => {
    const secretFile = join(standIn.root, 'token');
    await writeFile(secretFile, 's3cr3t');
    const { builder, record } = setup(success, {}, { PIP_CONF_SECRET: 'also-s3cr3t' });
    await builder.build(
      request({
        secrets: [
          { id: 'tok', src: secretFile, target: '/run/secrets/tok' },
          { id: 'pip', env: 'PIP_CONF_SECRET', target: '/etc/pip.conf' },
        ],
      }),
    );
    const argv: string[] = (await record()).argv;
    expect(argv).toContain(`id=tok,src=${secretFile}`);
    expect(argv).toContain('id=pip,env=PIP_CONF_SECRET');
    expect(argv.join(' ')).not.toContain('s3cr3t');
  });
});

describe('buildkit builder: verify', () => {
  const FAILING = 'echo about to fail; exit 3';
  const withVerify = (verify: string[], overrides: Partial<BuildRequest> = {}) =>
    request({
      spec: {
        name: 'app',
        registry: '127.0.0.1:5000/bk',
        verify,
        origin: { dir: '/' },
      } as unknown as ResolvedImageSpec,
      ...overrides,
    });

  it('solves the verify stage first (no output), then pushes the image stage', async () => {
    const { builder, calls, record, temps } = setup(success, { cache: { type: 'registry' } });
    const result = await builder.build(withVerify(['test -f /app', 'true']));
    expect(result).toMatchObject({ pushed: true, digest: expect.stringMatching(/^sha256:/) });

    const [verify, image, ...more] = await calls();
    expect(more).toEqual([]);
    expect(verify).toContain('target=imagespec-verify');
    expect(verify).not.toContain('--output');
    expect(verify).not.toContain('--export-cache');
    expect(verify).not.toContain('--metadata-file');
    // The verify solve reads the cache the image solve writes.
    expect(verify).toContain('--import-cache');
    expect(image).toContain('target=imagespec-image');
    expect(image).toContain('type=image,name=127.0.0.1:5000/bk/app:3kq7,push=true,registry.insecure=true');
    expect(image).toContain('--export-cache');

    // Both solves read one Dockerfile: the image stage, named, then the verify stage.
    expect((await record()).dockerfile).toBe(
      'FROM 127.0.0.1:5000/busybox:1 AS imagespec-image\n# dialect: buildkit\n' +
        'FROM imagespec-image AS imagespec-verify\nRUN test -f /app\nRUN true\n',
    );
    // plan() shows both solves as they ran, up to the temp folder.
    const plan = await builder.plan?.(withVerify(['test -f /app', 'true']));
    const untemp = (argv: string[] | undefined) => argv?.map((arg) => arg.replaceAll(temps[0] as string, '<temp>'));
    expect(plan?.verifyArgv).toEqual(untemp(verify));
    expect(plan?.argv).toEqual(untemp(image));
    expect(plan?.dockerfile).toContain('FROM imagespec-image AS imagespec-verify');
  });

  it('a failing verify command fails the build with its output, and the image solve (the push) never runs', async () => {
    const { builder, calls, temps } = setup({
      ...success,
      verify: { stderr: await failedIn('imagespec-verify 2/2'), exit: 1 },
    });
    const req = withVerify(['true', FAILING]);
    const error = await builder.build(req).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'VERIFY_FAILED',
      details: { command: FAILING, exitCode: 3, output: ['about to fail'] },
    });
    expect((error as Error).message).toBe(
      `Verify command \`${FAILING}\` exited with 3 in 127.0.0.1:5000/bk/app:3kq7 (buildkitd at tcp://buildkitd.test:1234); nothing was pushed.\nLast output:\n  about to fail`,
    );
    const ran = await calls();
    expect(ran).toHaveLength(1);
    expect(ran[0]).toContain('target=imagespec-verify');
    expect(ran.flat().some((arg) => arg.includes('push=true'))).toBe(false);
    expect(existsSync(temps[0] as string)).toBe(false);
  });

  it('a step of the image failing during the verify solve is a build failure, and nothing is pushed', async () => {
    const { builder, calls } = setup({
      ...success,
      verify: { stderr: await failedIn('imagespec-image 2/2'), exit: 1 },
    });
    await expect(builder.build(withVerify([FAILING]))).rejects.toMatchObject({
      code: 'BUILD_FAILED',
      details: { step: '[imagespec-image 2/2] RUN echo about to fail; exit 3', stepExitCode: 3 },
    });
    expect(await calls()).toHaveLength(1);
  });

  it('a verify command that would add an instruction is refused before buildctl runs', async () => {
    const { builder, calls } = setup(success);
    await expect(builder.build(withVerify(['true\nRUN echo injected']))).rejects.toMatchObject({
      code: 'SPEC_INVALID',
      details: { field: 'verify[0]' },
    });
    expect(await calls()).toEqual([]);
  });
});

describe('buildkit builder: plan() for --dry-run', () => {
  it('needs no daemon and no buildctl: nothing is run', async () => {
    const missing = join(standIn.root, 'no-such-dir', 'buildctl');
    const { builder, calls } = setup(
      { workers: 'hang' },
      { buildctl: missing, addr: 'tcp://unreachable.invalid:1234' },
    );
    const plan = await builder.plan?.(
      request({
        spec: { name: 'app', registry: 'r', verify: ['true'], origin: { dir: '/' } } as unknown as ResolvedImageSpec,
      }),
    );
    expect(plan).toMatchObject({ builder: 'buildkit', command: missing, addr: 'tcp://unreachable.invalid:1234' });
    expect(plan?.verifyArgv).toContain('target=imagespec-verify');
    expect(plan?.dockerfile).toBe(
      'FROM 127.0.0.1:5000/busybox:1 AS imagespec-image\n# dialect: buildkit\nFROM imagespec-image AS imagespec-verify\nRUN true\n',
    );
    expect(await calls()).toEqual([]);
  });
});
