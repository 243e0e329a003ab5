import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { testEnv } from '@imagespec/test-env';
import { afterEach, describe, expect, it } from 'vitest';
import { pushTestImage } from '../../core/test/registry/push-image.js';
import { runBin, tempProject } from './run-bin.js';
import { recordingBuilder } from './test-builders.js';

const projects: { dispose(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(projects.splice(0).map((p) => p.dispose()));
});

async function project(files: Record<string, string>) {
  const p = await tempProject(files);
  projects.push(p);
  return p.dir;
}

async function registryDigest(url: string, repository: string, tag: string): Promise<string | null> {
  const response = await fetch(`${url}/v2/${repository}/manifests/${tag}`, {
    method: 'HEAD',
    headers: {
      accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json',
    },
  });
  return response.headers.get('docker-content-digest');
}

describe('image policy against the real registry', () => {
  it('lock pins the digest the registry serves; a re-pushed base makes --check fail and, re-locked, changes the tag', async () => {
    const { registry } = testEnv();
    const repository = `policy-${Date.now()}/base`;
    const base = `${registry.host}/${repository}:1`;
    const first = await pushTestImage({ url: registry.url, repository, tag: '1', label: 'first' });
    const dir = await project({
      'imagespec.yaml': `name: app\nbaseImage: ${base}\ncommands: ["true"]\n`,
      'imagespec.config.json': '{}',
    });

    expect((await runBin(['lock', '--check'], { cwd: dir })).code).toBe(1); // no lock yet: missing entry
    const locked = await runBin(['lock'], { cwd: dir });
    expect(locked.code).toBe(0);
    const lock = JSON.parse(await readFile(join(dir, 'imagespec.lock.json'), 'utf8'));
    const digest = lock.images[base].digest;
    expect(digest).toBe(first.digest);
    expect(digest).toBe(await registryDigest(registry.url, repository, '1'));

    const tagBefore = (await runBin(['tag'], { cwd: dir })).stdout.trim();
    const dockerfile = await runBin(['dockerfile'], { cwd: dir });
    expect(dockerfile.stdout).toContain(`FROM ${base}@${digest}`);
    expect((await runBin(['lock', '--check'], { cwd: dir })).code).toBe(0);

    const second = await pushTestImage({ url: registry.url, repository, tag: '1', label: 'second' });
    expect(second.digest).not.toBe(first.digest);
    const check = await runBin(['lock', '--check'], { cwd: dir });
    expect(check.code).toBe(1);
    expect(check.stdout).toContain(
      `stale: ${base} is locked at ${first.digest}, the registry now serves ${second.digest}`,
    );
    // Until the user re-locks, the tag (and the FROM) stay on the locked digest.
    expect((await runBin(['tag'], { cwd: dir })).stdout.trim()).toBe(tagBefore);

    expect((await runBin(['lock'], { cwd: dir })).code).toBe(0);
    const tagAfter = (await runBin(['tag'], { cwd: dir })).stdout.trim();
    expect(tagAfter).not.toBe(tagBefore);
    expect((await runBin(['lock', '--check'], { cwd: dir })).code).toBe(0);
  });

  it('a base the registry does not have: lock fails with the registry words, exit 1', async () => {
    const { registry } = testEnv();
    const dir = await project({
      'imagespec.yaml': `name: app\nbaseImage: ${registry.host}/policy-missing/none:1\n`,
      'imagespec.config.json': '{}',
    });
    const r = await runBin(['lock'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('policy-missing/none');
  });

  it('a mirror rewrites the pull reference and leaves the tag alone', async () => {
    const { registry } = testEnv();
    const spec = 'name: app\nbaseImage: mirror.invalid/team/base:1\ncommands: ["true"]\n';
    const plain = await project({ 'imagespec.yaml': spec, 'imagespec.config.json': '{}' });
    const mirrored = await project({
      'imagespec.yaml': spec,
      'imagespec.config.mjs': `export default { builders: ['./recorder.mjs'], mirrors: { 'mirror.invalid/': '${registry.host}/mirrored/' } };\n`,
      'recorder.mjs': recordingBuilder(),
    });
    const tag = (await runBin(['tag'], { cwd: plain })).stdout.trim();
    expect((await runBin(['tag'], { cwd: mirrored })).stdout.trim()).toBe(tag);
    const build = await runBin(['build', '--progress', 'plain'], { cwd: mirrored });
    expect(build.code).toBe(0);
    const dockerfile = await readFile(join(mirrored, 'built-app.Dockerfile'), 'utf8');
    expect(dockerfile.split('\n')[0]).toBe(`FROM ${registry.host}/mirrored/team/base:1`);
  });

  it('lint names file and line; --strict exits 1; a clean spec passes --strict', async () => {
    const dir = await project({
      'imagespec.yaml': 'name: app\nbaseImage: python\npackages:\n  - numpy\n',
      'clean.yaml': `name: clean\nbaseImage: python:3.12-slim@sha256:${'a'.repeat(64)}\npackages: ["numpy==2.1.3"]\n`,
      'imagespec.config.json': '{}',
    });
    const lint = await runBin(['lint'], { cwd: dir });
    expect(lint.code).toBe(0);
    expect(lint.stdout).toMatch(/imagespec\.yaml:2:\d+: warning\[mutable-base\]/);
    expect(lint.stdout).toMatch(/imagespec\.yaml:4:\d+: warning\[unpinned-package\]/);
    expect((await runBin(['lint', '--strict'], { cwd: dir })).code).toBe(1);
    const clean = await runBin(['lint', '--strict', 'clean.yaml'], { cwd: dir });
    expect(clean.stdout).toContain('0 errors');
    expect(clean.code).toBe(0);
  });
});
