import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { testEnv } from '@imagespec/test-env';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testSpec } from '../../test/test-spec.js';
import { computeContextLayout } from '../context/layout.js';
import type { ResolvedImageSpec } from '../contract/spec.js';
import { renderDockerfile } from './render.js';

/**
 * Rendered Dockerfiles built by the real engine: `plain` with the classic builder (API
 * version 1, as engines without BuildKit and Kaniko read it), `buildkit` with the engine's
 * BuildKit (API version 2). The context is packed here from computeContextLayout, the way
 * the context writer does. Builds use network host to reach the test pip index.
 */

const run = promisify(execFile);
const HASH = 'e2etesthashabcdefghijklmno';
const images: string[] = [];
let project: string;

function docker(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run('docker', args, { env: { ...process.env, DOCKER_HOST: `unix://${testEnv().dockerSocket}` } });
}

async function addTree(pack: tar.Pack, hostPath: string, contextPath: string): Promise<void> {
  const info = await stat(hostPath);
  if (info.isDirectory()) {
    for (const name of (await readdir(hostPath)).sort())
      await addTree(pack, join(hostPath, name), `${contextPath}/${name}`);
    return;
  }
  pack.entry({ name: contextPath, mode: info.mode & 0o777 }, await readFile(hostPath));
}

async function contextTar(spec: ResolvedImageSpec, dockerfile: string): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (chunk: unknown) => {
    chunks.push(chunk as Buffer);
  });
  const done = new Promise<void>((resolve) => pack.on('end', () => resolve()));
  pack.entry({ name: 'Dockerfile' }, dockerfile);
  const layout = computeContextLayout(spec);
  for (const entry of [layout.requirements, ...layout.copy, layout.source]) {
    if (entry) await addTree(pack, entry.hostPath, entry.contextPath);
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** POST /build on the engine; resolves with the output and the engine's error, if any. */
async function engineBuild(
  body: Buffer,
  tag: string,
  dialect: 'buildkit' | 'plain',
): Promise<{ output: string; error?: string }> {
  const query = new URLSearchParams({
    t: tag,
    networkmode: 'host',
    version: dialect === 'buildkit' ? '2' : '1',
    rm: '1',
    forcerm: '1',
  });
  const text = await new Promise<string>((resolve, reject) => {
    const req = request(
      {
        socketPath: testEnv().dockerSocket,
        path: `/build?${query}`,
        method: 'POST',
        headers: { 'content-type': 'application/x-tar' },
      },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          data += chunk;
        });
        res.on('end', () => resolve(data));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
  let output = '';
  let error: string | undefined;
  for (const line of text.split('\n').filter(Boolean)) {
    const message = JSON.parse(line) as {
      stream?: string;
      error?: string;
      errorDetail?: { message?: string };
      message?: string;
    };
    output += message.stream ?? '';
    error = message.errorDetail?.message ?? message.error ?? (text.startsWith('{"message"') ? message.message : error);
  }
  return { output, ...(error !== undefined && { error }) };
}

async function build(spec: ResolvedImageSpec, dialect: 'buildkit' | 'plain') {
  const tag = `imagespec-render-e2e:${randomUUID().slice(0, 12)}`;
  images.push(tag);
  const dockerfile = renderDockerfile(spec, { dialect, baseImage: testEnv().baseImages.python, hash: HASH });
  return { tag, dockerfile, ...(await engineBuild(await contextTar(spec, dockerfile), tag, dialect)) };
}

async function write(path: string, text: string): Promise<string> {
  const full = join(project, path);
  await mkdir(dirname(full), { recursive: true });
  await writeFile(full, text);
  return full;
}

interface IndexWheel {
  url: string;
  sha256: string;
}

/** A wheel's URL and sha256 as the test pip index lists them (what uv and poetry record). */
async function indexWheel(name: string): Promise<IndexWheel> {
  const page = await (await fetch(`${testEnv().pipIndex.url}${name}/`)).text();
  const link = /href="([^"#]+)#sha256=([0-9a-f]{64})"/.exec(page);
  if (!link?.[1] || !link[2]) throw new Error(`the test pip index lists no wheel for ${name}: ${page}`);
  return { url: new URL(link[1], testEnv().pipIndex.url).href, sha256: link[2] };
}

/** A hash that is not the wheel's: one hex digit changed. */
const tampered = (sha256: string) => `${sha256.slice(0, -1)}${sha256.endsWith('0') ? '1' : '0'}`;

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), 'imagespec-render-e2e-'));
});

afterAll(async () => {
  for (const image of images) await docker('rmi', '--force', image).catch(() => undefined);
  await rm(project, { recursive: true, force: true });
});

describe.each(['plain', 'buildkit'] as const)('a rendered Dockerfile built by the engine (%s)', (dialect) => {
  it('installs packages and requirements, copies, runs commands and sets the image config', async () => {
    const { pipIndex } = testEnv();
    const spec = testSpec({
      pythonVersion: '3.11',
      packages: ['isp-beta==2.0.0'],
      requirements: { path: await write('requirements.txt', 'isp-gamma==0.1.0\n'), kind: 'requirements.txt' },
      pipIndex: pipIndex.url,
      copy: [
        { src: await write('config/app.toml', 'x = 1\n'), dest: '/etc/app/app.toml' },
        { src: dirname(await write('data dir/a.txt', 'A\n')), dest: '/opt/data dir' },
        { src: await write('ünï.txt', 'U\n'), dest: '/opt/ünï.txt' },
      ],
      commands: ['echo "home=$HOME" > /hello', "printf '%s' 'it'\\''s # not a comment' > /quote"],
      sourceRoot: dirname(await write('src/main.py', 'print("main")\n')),
      workdir: '/srv/app',
      user: '1000:1000',
      env: { GREETING: 'hi "there" $HOME \\ #x ü', PLAIN: 'a b' },
      labels: { 'org.example.team': 'ml $(whoami) "q"' },
      entrypoint: [
        'python3',
        '-c',
        'import sys, isp_beta, isp_gamma; print(isp_beta.VALUE, isp_gamma.VALUE, *sys.argv[1:])',
      ],
      cmd: ['arg "1"', '$HOME'],
    });
    const result = await build(spec, dialect);
    expect(result.error, result.output).toBeUndefined();

    const { stdout } = await docker('run', '--rm', '--network', 'none', result.tag);
    expect(stdout).toBe('beta+alpha gamma arg "1" $HOME\n');
    const files = await docker(
      'run',
      '--rm',
      '--network',
      'none',
      '--entrypoint',
      'sh',
      result.tag,
      '-c',
      'cat /hello /quote; echo; cat /etc/app/app.toml "/opt/data dir/a.txt" /opt/ünï.txt; pwd; id -u; ls; echo "$GREETING"',
    );
    expect(files.stdout).toBe(
      `home=/root\nit's # not a comment\nx = 1\nA\nU\n/srv/app\n1000\nmain.py\nhi "there" $HOME \\ #x ü\n`,
    );
    const config = JSON.parse((await docker('image', 'inspect', '--format', '{{json .Config}}', result.tag)).stdout);
    expect(config.Labels).toMatchObject({ 'dev.imagespec.hash': HASH, 'org.example.team': 'ml $(whoami) "q"' });
    expect(config.Env).toEqual(expect.arrayContaining(['GREETING=hi "there" $HOME \\ #x ü', 'PLAIN=a b']));
    expect(config.User).toBe('1000:1000');
  }, 300_000);
});

describe('pip secret mounts (buildkit)', () => {
  it("are read by the engine's Dockerfile frontend, which then asks the client for the secret", async () => {
    // The raw API has no client session to hand secret values over, so the engine stops at
    // the secret: proof that it parsed the mount (a syntax error fails earlier, saying so).
    // Passing the values is the builders' part, tested in their packages.
    const spec = testSpec({
      packages: ['isp-alpha'],
      pipIndex: testEnv().pipIndex.url,
      pipSecretMounts: [{ id: 'pipconf', env: 'PIP_CONF', target: '/etc/pip.conf' }],
    });
    const result = await build(spec, 'buildkit');
    expect(result.dockerfile).toContain('--mount=type=secret,id=pipconf,target=/etc/pip.conf');
    expect(result.error).toBe('no active sessions');
  }, 300_000);
});

describe('build-time failures say what is wrong (plain, classic builder output)', () => {
  it('fails when the base image has another Python', async () => {
    const result = await build(testSpec({ pythonVersion: '3.12' }), 'plain');
    expect(result.error).toMatch(/returned a non-zero code/);
    expect(result.output).toMatch(/imagespec: the spec asks for Python 3\.12 but the image has 3\.11\.\d+/);
  }, 120_000);

  it('fails when conda packages are asked for and the base has no micromamba', async () => {
    const result = await build(testSpec({ condaPackages: ['numpy'] }), 'plain');
    expect(result.error).toMatch(/returned a non-zero code/);
    expect(result.output).toMatch(
      /imagespec: condaPackages, cuda and cudnn are installed with micromamba, which is not on PATH/,
    );
  }, 120_000);
});

describe('lock files', () => {
  let wheels: Record<'isp-alpha' | 'isp-beta' | 'isp-gamma', IndexWheel>;
  beforeAll(async () => {
    const [alpha, beta, gamma] = await Promise.all([
      indexWheel('isp-alpha'),
      indexWheel('isp-beta'),
      indexWheel('isp-gamma'),
    ]);
    wheels = { 'isp-alpha': alpha, 'isp-beta': beta, 'isp-gamma': gamma };
  });

  const uvLock = (hashes: Record<string, string> = {}, extra = '') => {
    const { url: index } = testEnv().pipIndex;
    const registry = (name: keyof typeof wheels, version: string, more = '') => `
[[package]]
name = "${name}"
version = "${version}"
source = { registry = "${index}" }${more}
wheels = [
    { url = "${wheels[name].url}", hash = "sha256:${hashes[name] ?? wheels[name].sha256}", size = 1 },
]
`;
    return `version = 1
requires-python = ">=3.11"

[[package]]
name = "demo"
version = "0.1.0"
source = { virtual = "." }
dependencies = [
    { name = "isp-beta" },
    { name = "isp-gamma", marker = "sys_platform == 'win32'" },
]
${registry('isp-alpha', '1.0.0')}${registry('isp-beta', '2.0.0', '\ndependencies = [{ name = "isp-alpha" }]')}${registry('isp-gamma', '0.1.0')}${extra}`;
  };

  const poetryLock = (hashes: Record<string, string | null> = {}) => {
    const files = (name: keyof typeof wheels) => {
      const hash = hashes[name] === undefined ? wheels[name].sha256 : hashes[name];
      const file = wheels[name].url.split('/').pop();
      return hash === null ? '[]' : `[\n    {file = "${file}", hash = "sha256:${hash}"},\n]`;
    };
    const entry = (name: keyof typeof wheels, version: string, group: string, more = '') => `[[package]]
name = "${name}"
version = "${version}"
description = ""
optional = false
python-versions = "*"
groups = ["${group}"]
files = ${files(name)}
${more}
`;
    return `${entry('isp-alpha', '1.0.0', 'main')}${entry('isp-beta', '2.0.0', 'main', '\n[package.dependencies]\nisp-alpha = ">=1"\n')}${entry('isp-gamma', '0.1.0', 'dev')}[metadata]
lock-version = "2.1"
python-versions = ">=3.11"
content-hash = "0"
`;
  };

  async function installed(tag: string): Promise<string> {
    const script =
      'import importlib.metadata as m; print(sorted(d.metadata["Name"] for d in m.distributions() if d.metadata["Name"].startswith("isp-")))';
    return (
      await docker('run', '--rm', '--network', 'none', '--entrypoint', 'python3', tag, '-c', script)
    ).stdout.trim();
  }

  async function buildLock(kind: 'uv.lock' | 'poetry.lock', text: string, dialect: 'buildkit' | 'plain') {
    const path = await write(`${randomUUID()}/${kind}`, text);
    return build(testSpec({ requirements: { path, kind }, pipIndex: testEnv().pipIndex.url }), dialect);
  }

  it.each([
    ['uv.lock', 'plain'],
    ['poetry.lock', 'buildkit'],
  ] as const)(
    "installs the main dependencies of a %s, checked against the lock's hashes (%s)",
    async (kind, dialect) => {
      const result = await buildLock(kind, kind === 'uv.lock' ? uvLock() : poetryLock(), dialect);
      expect(result.error, result.output).toBeUndefined();
      // isp-gamma is windows-only (uv.lock marker) or a dev dependency (poetry.lock group).
      expect(await installed(result.tag)).toBe("['isp-alpha', 'isp-beta']");
    },
    300_000,
  );

  it.each([
    ['uv.lock', () => uvLock({ 'isp-alpha': tampered(wheels['isp-alpha'].sha256) })],
    ['poetry.lock', () => poetryLock({ 'isp-alpha': tampered(wheels['isp-alpha'].sha256) })],
  ] as const)(
    'fails when a wheel does not match the hash in the %s, with pip saying so',
    async (kind, lock) => {
      const result = await buildLock(kind, lock(), 'plain');
      expect(result.error).toMatch(/returned a non-zero code/);
      expect(result.output).toContain('THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE');
      expect(result.output).toContain(`Expected sha256 ${tampered(wheels['isp-alpha'].sha256)}`);
      expect(result.output).toContain(`Got        ${wheels['isp-alpha'].sha256}`);
    },
    300_000,
  );

  it('installs a package the lock has no hash for by version, and says so in the build log', async () => {
    const result = await buildLock('poetry.lock', poetryLock({ 'isp-alpha': null }), 'plain');
    expect(result.error, result.output).toBeUndefined();
    expect(result.output).toContain('imagespec: 2 pinned packages from poetry.lock, 1 checked against its hashes');
    expect(result.output).toMatch(
      /imagespec: warning: \/tmp\/imagespec\/requirements\/poetry\.lock has no hashes for isp-alpha==1\.0\.0; pip installs them by version/,
    );
    expect(await installed(result.tag)).toBe("['isp-alpha', 'isp-beta']");
  }, 300_000);

  it('fails naming a package the lock pins to a git source', async () => {
    const gitDependency = `
[[package]]
name = "from-git"
version = "0.1.0"
source = { git = "https://example.invalid/x.git?rev=1#abc" }
`;
    const text = uvLock({}, gitDependency).replace(
      '{ name = "isp-beta" },',
      '{ name = "isp-beta" },\n    { name = "from-git" },',
    );
    const result = await buildLock('uv.lock', text, 'plain');
    expect(result.error).toMatch(/returned a non-zero code/);
    expect(result.output).toMatch(
      /imagespec: \/tmp\/imagespec\/requirements\/uv\.lock: package from-git comes from a git source/,
    );
  }, 120_000);
});

describe('a requirements.txt with --hash options', () => {
  it('is installed in pip hash-checking mode: a wheel that does not match fails the build', async () => {
    const { pipIndex } = testEnv();
    const { sha256 } = await indexWheel('isp-gamma');
    const wrong = tampered(sha256);
    const requirements = (hash: string) => `isp-gamma==0.1.0 \\\n    --hash=sha256:${hash}\n`;
    const spec = async (hash: string) =>
      testSpec({
        requirements: {
          path: await write(`${randomUUID()}/requirements.txt`, requirements(hash)),
          kind: 'requirements.txt',
        },
        pipIndex: pipIndex.url,
      });

    const good = await build(await spec(sha256), 'plain');
    expect(good.error, good.output).toBeUndefined();

    const bad = await build(await spec(wrong), 'plain');
    expect(bad.error).toMatch(/returned a non-zero code/);
    expect(bad.output).toContain('THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE');
    expect(bad.output).toContain(`Expected sha256 ${wrong}`);
  }, 300_000);
});
