// The BuildKit session transport on the real engine: the context and the Dockerfile served
// through file sync (DiffCopy), registry credentials through the session's Auth service.
// Requests are core's own (createBuildRequest): their `contextEntries` are the engine's.
import { chmodSync, symlinkSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createBuildRequest } from '@imagespec/core/testing';
import { AUTH_PASSWORD, AUTH_USER, testEnv } from '@imagespec/test-env';
import { afterAll, describe, expect, it } from 'vitest';
import {
  caught,
  createTestBuilder,
  docker,
  makeProject,
  registryAccess,
  resolveSpec,
  uniqueName,
} from '../../test/e2e-harness.js';
import { openSessionCount } from './session.js';

const env = testEnv();
const images: string[] = [];

afterAll(() => {
  for (const image of images) {
    try {
      docker('rmi', '-f', image);
    } catch {}
  }
});

/** A builder whose debug lines (the file sync reports among them) are kept. */
async function syncBuilder(options: Parameters<typeof createTestBuilder>[0] = {}, access = registryAccess()) {
  const debug: string[] = [];
  const builder = await createTestBuilder(options, access, { debug: (line) => debug.push(line) });
  return { builder, debug };
}

interface Transfer {
  readonly dir: string;
  readonly requested: number;
  readonly entries: number;
  readonly bytes: number;
}

/** The file sync reports of the builds so far (debug lines), then forgets them. */
function transfers(debug: string[]): Transfer[] {
  const out: Transfer[] = [];
  for (const line of debug.splice(0)) {
    const match = /^file sync (\S*): (\d+) of (\d+) entries asked for, (\d+) bytes sent/.exec(line);
    if (match)
      out.push({
        dir: match[1] as string,
        requested: Number(match[2]),
        entries: Number(match[3]),
        bytes: Number(match[4]),
      });
  }
  return out;
}

function containerCount(): number {
  return docker('ps', '-aq').split('\n').filter(Boolean).length;
}

describe('BuildKit session transport (file sync)', () => {
  it('builds from a context sent by file sync: files, modes, symlinks, walk order', { timeout: 120_000 }, async () => {
    const dir = await makeProject({
      'app/main.sh': 'echo main\n',
      'app/a-x.txt': 'dash\n',
      'app/a/b.txt': 'nested\n',
      'app/a.txt': 'dot\n',
      'app/empty': '',
    });
    chmodSync(join(dir, 'app/main.sh'), 0o755);
    symlinkSync('a/b.txt', join(dir, 'app/link'));
    const spec = await resolveSpec(
      {
        name: uniqueName('session-basic'),
        baseImage: env.baseImages.busybox,
        commands: [`echo ${uniqueName('nonce')}`],
        sourceRoot: 'app',
        workdir: '/app',
      },
      dir,
    );
    const { builder, debug } = await syncBuilder();
    const { request } = await createBuildRequest(spec, { push: false });
    const result = await builder.build(request);
    images.push(result.image);
    expect(result.pushed).toBe(false);
    const listing = docker(
      'run',
      '--rm',
      '--network',
      'none',
      result.image,
      'sh',
      '-c',
      'cd /app && stat -c "%n %a %F" main.sh a.txt a-x.txt a a/b.txt empty link && readlink link && cat link main.sh',
    );
    expect(listing).toBe(
      [
        'main.sh 755 regular file',
        'a.txt 644 regular file',
        'a-x.txt 644 regular file',
        'a 755 directory',
        'a/b.txt 644 regular file',
        'empty 644 regular empty file',
        'link 777 symbolic link',
        'a/b.txt',
        'nested',
        'echo main',
        '',
      ].join('\n'),
    );
    // The Dockerfile came alone from the "dockerfile" directory; the context without it.
    const sent = transfers(debug);
    expect(sent).toContainEqual({ dir: 'dockerfile', requested: 1, entries: 1, bytes: expect.any(Number) });
    const context = sent.filter((t) => t.dir === 'context');
    expect(context.reduce((sum, t) => sum + t.requested, 0)).toBe(5);
    expect(openSessionCount()).toBe(0);
  });

  it('a rebuild after a one-file change sends only that file (and the new Dockerfile)', {
    timeout: 180_000,
  }, async () => {
    // Bytes of this run only: the engine's file-sync cache keeps what earlier builds sent (same
    // path, size and content-derived mtime), and the first build below must send every file.
    const name = uniqueName('session-rebuild');
    const nonce = name.slice(-8);
    const files: Record<string, string> = {};
    for (let i = 0; i < 300; i++) files[`app/pkg${i % 10}/file${i}.txt`] = `${nonce} content ${i}\n`.repeat(20);
    const dir = await makeProject(files);
    const specInput = {
      name,
      baseImage: env.baseImages.busybox,
      commands: ['echo rebuilt'],
      sourceRoot: 'app',
      workdir: '/app',
    };
    const { builder, debug } = await syncBuilder();

    const first = await createBuildRequest(await resolveSpec(specInput, dir), { push: false });
    images.push((await builder.build(first.request)).image);
    const firstContext = transfers(debug).filter((t) => t.dir === 'context');
    expect(firstContext.reduce((sum, t) => sum + t.requested, 0)).toBe(300);

    // Same size, other bytes: only the stat's mtime (from the content digest) tells them apart.
    await writeFile(join(dir, 'app/pkg7/file137.txt'), `${nonce.toUpperCase()} CONTENT 137\n`.repeat(20));
    const second = await createBuildRequest(await resolveSpec(specInput, dir), { push: false });
    expect(second.request.image).not.toBe(first.request.image);
    const rebuilt = await builder.build(second.request);
    images.push(rebuilt.image);
    const sent = transfers(debug);
    const context = sent.filter((t) => t.dir === 'context');
    expect(context.reduce((sum, t) => sum + t.requested, 0)).toBe(1);
    expect(context.reduce((sum, t) => sum + t.bytes, 0)).toBe(420);
    expect(sent.filter((t) => t.dir === 'dockerfile').map((t) => t.requested)).toEqual([1]);
    const out = docker(
      'run',
      '--rm',
      '--network',
      'none',
      rebuilt.image,
      'sh',
      '-c',
      'head -1 /app/pkg7/file137.txt /app/pkg6/file136.txt; find /app -type f | wc -l',
    );
    expect(out).toBe(
      `==> /app/pkg7/file137.txt <==\n${nonce.toUpperCase()} CONTENT 137\n\n==> /app/pkg6/file136.txt <==\n${nonce} content 136\n300\n`,
    );

    // Nothing changed: nothing is sent, and the image is the same.
    const third = await createBuildRequest(await resolveSpec(specInput, dir), { push: false });
    await builder.build(third.request);
    expect(transfers(debug).reduce((sum, t) => sum + t.requested, 0)).toBe(0);
  });

  it('a file changed after the tag was computed fails the build with CONTEXT_CHANGED; nothing is pushed', {
    timeout: 120_000,
  }, async () => {
    // Content of this run only: a file the engine's sync cache already holds is never read.
    const nonce = uniqueName('nonce');
    const dir = await makeProject({ 'app/main.py': `print("${nonce}")\n`, 'app/other.txt': 'other\n' });
    const name = uniqueName('imagespec-test/session-changed');
    const spec = await resolveSpec(
      {
        name,
        registry: env.registry.host,
        baseImage: env.baseImages.busybox,
        commands: [`echo ${nonce}`],
        sourceRoot: 'app',
      },
      dir,
    );
    const { builder } = await syncBuilder();
    const { request } = await createBuildRequest(spec);
    expect(request.push).toBe(true);
    // Same size, other bytes: the listing still fits, the read's digest does not.
    await writeFile(join(dir, 'app/main.py'), `print("${nonce.toUpperCase()}")\n`);
    const containers = containerCount();
    const error = await caught(builder.build(request));
    expect(error.code).toBe('CONTEXT_CHANGED');
    expect(error.message).toContain(`${dir}/app/main.py has different content than when the tag was computed`);
    expect(() => docker('image', 'inspect', request.image)).toThrow();
    const tags = await fetch(`http://${env.registry.host}/v2/${name}/tags/list`);
    expect(tags.status === 404 || ((await tags.json()) as { tags?: string[] | null }).tags == null).toBe(true);
    expect(containerCount()).toBe(containers);
    expect(openSessionCount()).toBe(0);
  });

  it('pulls a base image from a registry that needs credentials through the session Auth service', {
    timeout: 180_000,
  }, async () => {
    const host = env.authRegistry.host;
    const base = `${host}/imagespec-test/session-private-base:1`;
    const right = registryAccess({ [host]: { username: AUTH_USER, password: AUTH_PASSWORD } });
    // Put a private base in the auth registry (built and pushed through the builder's tar path).
    const seed = await resolveSpec(
      { name: 'session-private-base', baseImage: env.baseImages.busybox, commands: ['echo private > /private'] },
      await makeProject({}),
    );
    const seeded = await createBuildRequest(seed, { push: false });
    const tarBuilder = await createTestBuilder({ contextTransport: 'tar' }, right);
    await tarBuilder.build(seeded.request);
    docker('tag', seeded.request.image, base);
    await tarBuilder.build({ ...seeded.request, image: base, push: true });
    docker('rmi', base, seeded.request.image);

    const spec = await resolveSpec(
      {
        name: uniqueName('session-from-private'),
        baseImage: base,
        commands: [`cat /private && echo ${uniqueName('n')}`],
      },
      await makeProject({}),
    );
    const prepared = await createBuildRequest(spec, { push: false });
    const request = prepared.request;
    const anonymous = await syncBuilder();
    const denied = await caught(anonymous.builder.build(request));
    expect((denied as { code?: string }).code).toBe('REGISTRY_AUTH');
    expect(transfers(anonymous.debug).some((t) => t.dir === 'dockerfile')).toBe(true);
    const { builder, debug } = await syncBuilder({}, right);
    const result = await builder.build(request);
    images.push(result.image);
    expect(transfers(debug).some((t) => t.dir === 'dockerfile')).toBe(true);
    expect(prepared.events.some((e) => e.type === 'log' && e.line === 'private')).toBe(true);
  });

  it('cancelling mid-build stops it and leaves no container or open session', { timeout: 120_000 }, async () => {
    const spec = await resolveSpec(
      {
        name: uniqueName('session-cancel'),
        baseImage: env.baseImages.busybox,
        commands: [`echo ${uniqueName('nonce')} && sleep 60`],
      },
      await makeProject({ 'data.txt': 'x\n' }),
    );
    const controller = new AbortController();
    const { request, events } = await createBuildRequest(spec, { push: false, signal: controller.signal });
    const containers = containerCount();
    const { builder } = await syncBuilder();
    const started = Date.now();
    const timer = setInterval(() => {
      if (events.some((e) => e.type === 'step' && e.status === 'started' && /sleep 60/.test(e.name)))
        controller.abort();
    }, 50);
    try {
      const error = await caught(builder.build(request));
      expect((error as { code?: string }).code).toBe('CANCELLED');
    } finally {
      clearInterval(timer);
    }
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(openSessionCount()).toBe(0);
    expect(containerCount()).toBe(containers);
    expect(() => docker('image', 'inspect', request.image)).toThrow();
  });

  it("contextTransport: 'tar' keeps the tar upload", { timeout: 120_000 }, async () => {
    const spec = await resolveSpec(
      { name: uniqueName('session-tar'), baseImage: env.baseImages.busybox, copy: [{ src: 'a.txt', dest: '/a.txt' }] },
      await makeProject({ 'a.txt': 'from tar\n' }),
    );
    const { builder, debug } = await syncBuilder({ contextTransport: 'tar' });
    const { request } = await createBuildRequest(spec, { push: false });
    const result = await builder.build(request);
    images.push(result.image);
    expect(transfers(debug)).toEqual([]);
    expect(docker('run', '--rm', '--network', 'none', result.image, 'cat', '/a.txt')).toBe('from tar\n');
  });
});
