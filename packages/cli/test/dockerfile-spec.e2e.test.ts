import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { testEnv } from '@imagespec/test-env';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT, runBin, tempProject } from './run-bin.js';

/**
 * Issue 12 on the real engine and registry, through the built binary and the real docker
 * builder: a spec that brings its own multi-stage Dockerfile (a build stage, a runtime
 * stage chosen with `target`, a stage after it that must not be built), a build arg in
 * FROM, a context with a .dockerignore and a Dockerfile of its own that `COPY . /ctx`
 * ships; a spec layered on it; both context transports of the docker builder.
 */
const env = testEnv();
const DOCKER_BUILDER = join(REPO_ROOT, 'packages/builder-docker/dist/index.js');
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function docker(...args: string[]): string {
  return execFileSync('docker', ['-H', `unix://${env.dockerSocket}`, ...args], { encoding: 'utf8' });
}

const USER_DOCKERFILE = [
  'ARG BASE=none',
  'ARG MSG=from-the-default',
  '# the build stage',
  'FROM ${BASE} AS build',
  'ARG MSG',
  'COPY src/ /src/',
  'RUN mkdir -p /out && cat /src/main.txt > /out/app.txt && echo "$MSG" > /out/msg.txt',
  '',
  'FROM $BASE AS runtime',
  'COPY --from=build /out/ /srv/',
  'COPY . /ctx',
  'CMD ["cat", "/srv/app.txt"]',
  '',
  'FROM runtime AS debug',
  'RUN echo debug > /debug.txt',
  '',
].join('\n');

async function project(transport: 'auto' | 'tar', verify = 'test -s /srv/app.txt') {
  const marker = `dfspec-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const spec = [
    'images:',
    '  web:',
    `    name: ${marker}/web`,
    `    registry: ${env.registry.host}`,
    '    dockerfile: app/Dockerfile',
    '    target: runtime',
    '    buildArgs:',
    `      BASE: ${env.baseImages.busybox}`,
    '      MSG: from-the-spec',
    `    verify: [${JSON.stringify(verify)}]`,
    '  layered:',
    `    name: ${marker}/layered`,
    `    registry: ${env.registry.host}`,
    '    baseImage: web',
    '    commands: ["echo layered > /layer.txt"]',
    '',
  ].join('\n');
  const options = { socketPath: env.dockerSocket, network: 'host', contextTransport: transport };
  const p = await tempProject({
    'imagespec.yaml': spec,
    'imagespec.config.json': JSON.stringify({ builders: [[DOCKER_BUILDER, options]] }),
    'app/Dockerfile': USER_DOCKERFILE,
    'app/.dockerignore': 'ignored/\n*.log\n',
    'app/src/main.txt': `hello ${marker}\n`,
    'app/ignored/notes.txt': 'not sent\n',
    'app/build.log': 'not sent\n',
  });
  cleanups.push(() => p.dispose());
  cleanups.push(() => {
    const ids = docker('images', '-q', '--filter', `reference=*/${marker}/*`);
    for (const id of new Set(ids.split('\n').filter(Boolean))) docker('rmi', '-f', id);
  });
  return p.dir;
}

async function tags(dir: string): Promise<{ web: string; layered: string }> {
  const r = await runBin(['tag'], { cwd: dir });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const [web, layered] = r.stdout.trim().split('\n') as [string, string];
  return { web, layered };
}

async function inRegistry(image: string): Promise<boolean> {
  const [repository, tag] = image.slice(env.registry.host.length + 1).split(':') as [string, string];
  const response = await fetch(`${env.registry.url}/v2/${repository}/manifests/${tag}`, {
    method: 'HEAD',
    headers: {
      accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json',
    },
  });
  return response.status === 200;
}

const run = (image: string, ...command: string[]) => docker('run', '--rm', '--network', 'none', image, ...command);

describe.each(['auto', 'tar'] as const)(
  'a Dockerfile spec built by the docker builder (contextTransport %s)',
  (transport) => {
    it('builds the target with the build args, ships exactly the context, pushes, and a layered spec builds on it', {
      timeout: 240_000,
    }, async () => {
      const dir = await project(transport);
      const before = await tags(dir);
      const built = await runBin(['build', '--progress', 'plain'], { cwd: dir, timeoutMs: 200_000 });
      expect(built.stderr).toBe('');
      expect(built.code).toBe(0);
      expect(await inRegistry(before.web)).toBe(true);
      expect(await inRegistry(before.layered)).toBe(true);

      expect(run(before.web)).toMatch(/^hello dfspec-/);
      expect(run(before.web, 'cat', '/srv/msg.txt')).toBe('from-the-spec\n');
      // The context as `docker build` sends it: the user's own Dockerfile, the .dockerignore,
      // no ignored file and no Dockerfile of imagespec's.
      expect(run(before.web, 'ls', '-A', '/ctx').split('\n').filter(Boolean)).toEqual([
        '.dockerignore',
        'Dockerfile',
        'src',
      ]);
      expect(run(before.web, 'cat', '/ctx/Dockerfile')).toBe(USER_DOCKERFILE);
      // The stage after the target is not built.
      expect(run(before.web, 'sh', '-c', 'test -e /debug.txt && echo yes || echo no')).toBe('no\n');
      expect(docker('image', 'inspect', '-f', '{{index .Config.Labels "dev.imagespec.hash"}}', before.web).trim()).toBe(
        before.web.split(':').pop(),
      );
      expect(run(before.layered, 'cat', '/layer.txt', '/srv/app.txt')).toMatch(/^layered\nhello dfspec-/);

      // A second run finds both in the registry.
      const again = await runBin(['build', '--progress', 'plain'], { cwd: dir, timeoutMs: 60_000 });
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(/skipped|exists/);
    });
  },
);

describe('a Dockerfile spec: what moves its tag', () => {
  it('a byte in an ignored file keeps the tag, in a used file changes it; the lock moves it and pins the FROM lines', {
    timeout: 120_000,
  }, async () => {
    const dir = await project('auto');
    const first = await tags(dir);
    await writeFile(join(dir, 'app/ignored/notes.txt'), 'not sent!\n');
    await writeFile(join(dir, 'app/build.log'), 'not sent!\n');
    expect(await tags(dir)).toEqual(first);
    await writeFile(join(dir, 'app/src/main.txt'), `${await readFile(join(dir, 'app/src/main.txt'), 'utf8')}!`);
    const second = await tags(dir);
    expect(second.web).not.toBe(first.web);
    expect(second.layered).not.toBe(first.layered);

    const locked = await runBin(['lock'], { cwd: dir });
    expect(locked.stderr).toBe('');
    expect(locked.code).toBe(0);
    const lock = JSON.parse(await readFile(join(dir, 'imagespec.lock.json'), 'utf8'));
    const digest = lock.images[env.baseImages.busybox]?.digest;
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const third = await tags(dir);
    expect(third.web).not.toBe(second.web);
    const webName = third.web.slice(env.registry.host.length + 1).split(':')[0] as string;
    const rendered = await runBin(['dockerfile', '--image', webName], { cwd: dir });
    expect(rendered.stdout).toContain(`FROM ${env.baseImages.busybox}@${digest} AS build`);
    expect(rendered.stdout).toContain(`FROM ${env.baseImages.busybox}@${digest} AS runtime`);
    expect(await readFile(join(dir, 'app/Dockerfile'), 'utf8')).toBe(USER_DOCKERFILE);
    // The build uses the pinned Dockerfile: built and pushed under the locked tag.
    const built = await runBin(['build', '--progress', 'plain'], { cwd: dir, timeoutMs: 100_000 });
    expect(built.stderr).toBe('');
    expect(built.code).toBe(0);
    expect(await inRegistry(third.web)).toBe(true);
    expect(run(third.web, 'cat', '/srv/msg.txt')).toBe('from-the-spec\n');

    const explain = await runBin(['explain', '--image', webName], { cwd: dir });
    expect(explain.code).toBe(0);
    expect(explain.stdout).toContain('"kind": "dockerfile"');
    expect(explain.stdout).toContain(`${env.baseImages.busybox}@${digest}`);
    expect(explain.stdout).toContain('src/main.txt');
    expect(explain.stdout).toMatch(/\.dockerignore:1 `ignored\/`/);
  });

  it('verify runs on the Dockerfile image: a failing command fails the build and nothing is pushed', {
    timeout: 120_000,
  }, async () => {
    const dir = await project('auto', 'test -e /debug.txt');
    const { web } = await tags(dir);
    const r = await runBin(['build', '--progress', 'plain'], { cwd: dir, timeoutMs: 100_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/VERIFY_FAILED/);
    expect(await inRegistry(web)).toBe(false);
  });

  it('a <Dockerfile>.dockerignore wins over the context’s .dockerignore in the engine too (the image holds what was hashed)', {
    timeout: 120_000,
  }, async () => {
    const marker = `dfspec-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    const options = { socketPath: env.dockerSocket, network: 'host' };
    const p = await tempProject({
      'imagespec.yaml': `name: ${marker}/own-ignore\ndockerfile: app/Dockerfile\n`,
      'imagespec.config.json': JSON.stringify({ builders: [[DOCKER_BUILDER, options]] }),
      'app/Dockerfile': `FROM ${env.baseImages.busybox}\nCOPY . /ctx\n`,
      'app/.dockerignore': '*\n',
      'app/Dockerfile.dockerignore': 'left-out.txt\n',
      'app/kept.txt': 'kept\n',
      'app/left-out.txt': 'left out\n',
    });
    cleanups.push(() => p.dispose());
    cleanups.push(() => {
      const ids = docker('images', '-q', '--filter', `reference=${marker}/*`);
      for (const id of new Set(ids.split('\n').filter(Boolean))) docker('rmi', '-f', id);
    });
    const built = await runBin(['build', '--progress', 'plain'], { cwd: p.dir, timeoutMs: 100_000 });
    expect(built.code).toBe(0);
    const image = (await runBin(['tag'], { cwd: p.dir })).stdout.trim();
    expect(run(image, 'ls', '-A', '/ctx').split('\n').filter(Boolean)).toEqual([
      '.dockerignore',
      'Dockerfile',
      'Dockerfile.dockerignore',
      'kept.txt',
    ]);
  });
});
