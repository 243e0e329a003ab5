import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { testEnv } from '@imagespec/test-env';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type StandInFault, startRegistryStandIn } from '../../builder-docker/test/registry-stand-in.js';
import { type BinResult, CLI_BIN, REPO_ROOT, runBin, tempProject } from './run-bin.js';

/**
 * Faults on the real engine and registry, through the built binary with the real docker
 * builder: each must end with a clear error, a non-zero exit, in bounded time, and leave
 * no container behind. The counts are printed at the end so CI output shows them.
 */
const env = testEnv();
const DOCKER_BUILDER = join(REPO_ROOT, 'packages/builder-docker/dist/index.js');
const counts = { tried: 0, passed: 0 };
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => {
  console.log(`imagespec faults (real engine and registry): ${counts.passed} of ${counts.tried} passed`);
});

/** A fault case: counted as tried, and as passed when its assertions hold. */
function fault(name: string, timeoutMs: number, body: () => Promise<void>) {
  it(name, { timeout: timeoutMs }, async () => {
    counts.tried += 1;
    await body();
    counts.passed += 1;
  });
}

function docker(...args: string[]): string {
  return execFileSync('docker', ['-H', `unix://${env.dockerSocket}`, ...args], { encoding: 'utf8' });
}

/** A project with one spec whose commands and verify carry a unique marker, built by the real docker builder. */
function newMarker(): string {
  return `fault-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

async function project(
  spec: { registry?: string; commands?: string[]; verify?: string[] },
  builder = {},
  marker = newMarker(),
) {
  const lines = [
    `name: ${marker}`,
    ...(spec.registry ? [`registry: ${spec.registry}`] : []),
    `baseImage: ${env.baseImages.busybox}`,
    `commands: ${JSON.stringify(spec.commands ?? [`echo ${marker} > /marker`])}`,
    ...(spec.verify ? [`verify: ${JSON.stringify(spec.verify)}`] : []),
  ];
  const options = { socketPath: env.dockerSocket, network: 'host', ...builder };
  const p = await tempProject({
    'imagespec.yaml': `${lines.join('\n')}\n`,
    'imagespec.config.json': JSON.stringify({ builders: [[DOCKER_BUILDER, options]] }),
  });
  cleanups.push(() => p.dispose());
  cleanups.push(() => {
    const ids = docker('images', '-q', '--filter', `reference=*/${marker}`, '--filter', `reference=${marker}`);
    for (const id of new Set(ids.split('\n').filter(Boolean))) docker('rmi', '-f', id);
  });
  return { dir: p.dir, marker };
}

/** A clear error: a code and message on stderr, never a stack trace. */
function expectClearFailure(result: BinResult, code: RegExp) {
  expect(result.code).not.toBe(0);
  expect(result.stderr).toMatch(code);
  expect(result.stderr).toMatch(/hint: /);
  expect(result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
}

/** No container of this spec's build or verify is left (found by the marker in its command). */
function expectNoContainer(marker: string) {
  const commands = docker('ps', '-a', '--no-trunc', '--format', '{{.Command}}');
  expect(commands.split('\n').filter((line) => line.includes(marker))).toEqual([]);
}

async function standIn(fault: StandInFault) {
  const server = await startRegistryStandIn(env.registry.url, fault);
  cleanups.push(() => server.close());
  return server;
}

/** Runs `imagespec build` and sends SIGINT a second after its output shows `ready`. */
async function interruptWhen(dir: string, ready: (stdout: string) => boolean) {
  const child = spawn(process.execPath, [CLI_BIN, 'build', '--progress', 'plain'], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', HOME: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (ready(stdout)) resolve();
    });
  });
  await new Promise((resolve) => setTimeout(resolve, 1000));
  child.kill('SIGINT');
  return { code: await exited, stdout, stderr };
}

describe('faults on the real engine and registry (imagespec build)', () => {
  fault('registry down: REGISTRY_UNREACHABLE naming the host, exit 1', 60_000, async () => {
    const { dir, marker } = await project({ registry: '127.0.0.1:9' });
    const r = await runBin(['build', '--progress', 'plain'], { cwd: dir });
    expect(r.code).toBe(1);
    expectClearFailure(r, /error\[REGISTRY_UNREACHABLE\].*127\.0\.0\.1:9/);
    expectNoContainer(marker);
  });

  fault('401 (the htpasswd registry, no credentials): an auth error, exit 1', 60_000, async () => {
    const { dir, marker } = await project({ registry: env.authRegistry.host });
    const r = await runBin(['build', '--progress', 'plain'], { cwd: dir });
    expect(r.code).toBe(1);
    expectClearFailure(r, /error\[REGISTRY_AUTH\]/);
    expectNoContainer(marker);
  });

  fault('500 on every push (stand-in): REGISTRY_ERROR after the retries, a server-error hint', 90_000, async () => {
    const server = await standIn({ kind: 'server-error', on: 'manifest' });
    const { dir, marker } = await project({ registry: server.host }, { pushRetries: 1 });
    const r = await runBin(['build', '--progress', 'plain'], { cwd: dir, timeoutMs: 80_000 });
    expect(r.code).toBe(1);
    expectClearFailure(r, /error\[REGISTRY_ERROR\].*\(2 attempts\)/);
    expect(r.stderr).not.toMatch(/log in/);
    expectNoContainer(marker);
  });

  fault('a registry that accepts and never answers (stand-in): TIMEOUT, bounded', 90_000, async () => {
    const server = await standIn({ kind: 'stall' });
    const { dir, marker } = await project({ registry: server.host }, { pushIdleTimeoutMs: 3000 });
    const r = await runBin(['build', '--progress', 'plain'], { cwd: dir, timeoutMs: 80_000 });
    expect(r.code).toBe(1);
    expectClearFailure(r, /error\[TIMEOUT\].*no push progress for 3 s/);
    expect(r.stderr).toMatch(/stopped answering/);
    expectNoContainer(marker);
  });

  fault('engine unreachable (DOCKER_HOST at a socket that does not exist): says so, exit 1', 60_000, async () => {
    const { dir } = await project({}, { socketPath: undefined });
    const r = await runBin(['build', '--progress', 'plain'], {
      cwd: dir,
      env: { DOCKER_HOST: 'unix:///nonexistent/imagespec-docker.sock' },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('/nonexistent/imagespec-docker.sock');
    expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });

  fault('SIGINT during a RUN step: exit 130, the build cancelled, no image, no container', 90_000, async () => {
    const marker = newMarker();
    const { dir } = await project({ commands: [`sleep 30 && echo ${marker}`] }, {}, marker);
    const { code, stderr } = await interruptWhen(dir, (out) => out.includes('sleep 30'));
    expect(code).toBe(130);
    expect(stderr).toMatch(/error\[CANCELLED\]/);
    expect(stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(docker('images', '-q', marker).trim()).toBe('');
    expectNoContainer(marker);
  });

  fault(
    'SIGINT during verify: exit 130, no tag, no container, the next build builds (not skipped)',
    120_000,
    async () => {
      const marker = newMarker();
      const { dir } = await project({ verify: [`sleep 30 # ${marker}`] }, {}, marker);
      const { code, stderr } = await interruptWhen(dir, (out) => out.includes('verify 1/1'));
      expect(code).toBe(130);
      expect(stderr).toContain('SIGINT received');
      expect(stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
      expect(docker('images', '-q', marker).trim()).toBe('');
      expectNoContainer(marker);

      // Nothing unverified was left under the tag: the next run would build it, not skip it.
      const exists = await runBin(['exists'], { cwd: dir });
      expect(exists.stdout).toContain('is not in the local engine');
      expect(exists.code).toBe(1);
      const next = await runBin(['build', '--dry-run', '--json'], { cwd: dir });
      expect(next.code).toBe(0);
      expect(next.stdout).toContain('"reason":"dry-run"');
      expect(next.stdout).not.toContain('"reason":"exists"');
    },
  );
});

describe.each([2, 5])('%i processes building the same spec at once', (n) => {
  fault(`${n} at once: all exit 0, one image in the registry, every blob of it there`, 180_000, async () => {
    const { dir, marker } = await project({ registry: env.registry.host });
    const results = await Promise.all(
      Array.from({ length: n }, () => runBin(['build', '--json'], { cwd: dir, timeoutMs: 150_000 })),
    );
    for (const r of results) {
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    const image = (await runBin(['tag'], { cwd: dir })).stdout.trim();
    const tag = image.slice(image.lastIndexOf(':') + 1);
    const manifest = await fetch(`${env.registry.url}/v2/${marker}/manifests/${tag}`, {
      headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' },
    });
    expect(manifest.status).toBe(200);
    const body = (await manifest.json()) as { config: { digest: string }; layers: { digest: string }[] };
    for (const blob of [body.config, ...body.layers]) {
      const head = await fetch(`${env.registry.url}/v2/${marker}/blobs/${blob.digest}`, { method: 'HEAD' });
      expect(head.status, blob.digest).toBe(200);
    }
    expectNoContainer(marker);
  });
});
