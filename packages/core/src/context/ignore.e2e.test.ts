import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { testEnv } from '@imagespec/test-env';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { walkFiles } from './walk.js';

// The real Docker engine decides what `.dockerignore` means: the same tree is sent with
// `docker build` (classic builder, so the docker CLI applies .dockerignore as Docker's
// own code does) and copied into an image, and what lands there must be what walkFiles lists.

const DOCKERIGNORE = [
  '# comments and blank lines are skipped',
  '',
  '*.log',
  '**/*.tmp',
  'build',
  'docs',
  '!docs/keep.md',
  'secret*',
  '!secret-ok.txt',
  '/root-only.txt',
  'temp?',
  'vendor/**/test',
  '!vendor/b/test/keep.py',
].join('\n');

const FILES = [
  'a.log',
  'sub/a.log',
  'x.tmp',
  'sub/deep/y.tmp',
  'build/out.o',
  'build/nested/more.o',
  'docs/a.md',
  'docs/keep.md',
  'secret.txt',
  'secret-ok.txt',
  'root-only.txt',
  'sub/root-only.txt',
  'temp1',
  'temp12',
  'src/main.py',
  'src/a-b.py',
  'src/a/b.py',
  'vendor/a/test/t.py',
  'vendor/b/test/keep.py',
  'vendor/b/test/other.py',
  'vendor/b/lib.py',
];

let root: string;
let docker: (...args: string[]) => { status: number | null; stdout: string; stderr: string };
const tag = `imagespec-test/ignore-parity:${randomUUID().slice(0, 8)}`;
const container = `imagespec-ignore-parity-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  const env = { ...process.env, DOCKER_HOST: `unix://${testEnv().dockerSocket}`, DOCKER_BUILDKIT: '0' };
  docker = (...args) => spawnSync('docker', args, { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  root = await mkdtemp(join(tmpdir(), 'imagespec-ignore-e2e-'));
  const context = join(root, 'context');
  for (const path of FILES) {
    await mkdir(dirname(join(context, path)), { recursive: true });
    await writeFile(join(context, path), path);
  }
  await writeFile(join(context, '.dockerignore'), DOCKERIGNORE);
  await chmod(join(context, 'src/main.py'), 0o755);
  await mkdir(join(context, 'empty'));
  await symlink('src/main.py', join(context, 'main-link'));
  await writeFile(join(root, 'Dockerfile'), 'FROM scratch\nCOPY . /ctx/\n');
});

afterAll(async () => {
  docker('rm', '-f', container);
  docker('rmi', '-f', tag);
  await rm(root, { recursive: true, force: true });
});

describe('.dockerignore against the real Docker engine', () => {
  it('walkFiles lists exactly what docker build copies', { timeout: 120_000 }, async () => {
    const build = docker(
      'build',
      '-q',
      '--network',
      'none',
      '-f',
      join(root, 'Dockerfile'),
      '-t',
      tag,
      join(root, 'context'),
    );
    expect(build.status, build.stderr).toBe(0);
    const create = docker('create', '--name', container, tag, 'none');
    expect(create.status, create.stderr).toBe(0);
    const exported = spawnSync('sh', ['-c', 'docker export "$1" | tar -tvf -', 'sh', container], {
      env: { ...process.env, DOCKER_HOST: `unix://${testEnv().dockerSocket}` },
      encoding: 'utf8',
    });
    expect(exported.status, exported.stderr).toBe(0);

    // `tar -tv` lines: mode, owner, size, date, time, name [-> target]
    const inImage = exported.stdout
      .split('\n')
      .map((line) => line.split(/\s+/))
      .filter((fields) => fields[5]?.startsWith('ctx/') && fields[5] !== 'ctx/')
      .map((fields) => ({
        path: fields[5]!.slice('ctx/'.length).replace(/\/$/, ''),
        type: fields[0]![0] ?? '?',
        target: fields[7],
      }))
      // The docker CLI adds a Dockerfile from outside the context under a generated name.
      .filter((entry) => !entry.path.startsWith('.dockerfile.'));

    const listed = [];
    for await (const file of walkFiles(join(root, 'context'))) listed.push(file);

    const nonDirs = (entries: { path: string; type: string }[]) =>
      entries
        .filter((e) => e.type !== 'd')
        .map((e) => e.path)
        .sort();
    expect(nonDirs(listed.map((f) => ({ path: f.path, type: f.kind === 'dir' ? 'd' : '-' })))).toEqual(
      nonDirs(inImage),
    );
    // Directories: what walkFiles lists, plus the parents a re-included file implies.
    const dirs = new Set(listed.filter((f) => f.kind === 'dir').map((f) => f.path));
    for (const f of listed) {
      for (let p = dirname(f.path); p !== '.'; p = dirname(p)) dirs.add(p);
    }
    expect([...dirs].sort()).toEqual(
      inImage
        .filter((e) => e.type === 'd')
        .map((e) => e.path)
        .sort(),
    );
    // Modes and links came through too.
    expect(inImage.find((e) => e.path === 'main-link')).toMatchObject({ type: 'l', target: 'src/main.py' });
    expect(exported.stdout).toMatch(/-rwxr-xr-x .* ctx\/src\/main\.py/);
  });
});
