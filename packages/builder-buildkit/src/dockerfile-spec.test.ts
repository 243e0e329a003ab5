import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuildRequest } from '@imagespec/core/builder';
import { createBuildRequest, dockerfileSpecProject, writeProject } from '@imagespec/core/testing';
import { describe, expect, it } from 'vitest';
import { failedIn, success, useStandInBuildctl } from '../test/stand-in-builder.js';

// A spec that brings its own Dockerfile (#12), through core's own build request, against
// the buildctl STAND-IN: what buildctl is handed. The real daemon's side is in buildkit.e2e.test.ts.

const standIn = useStandInBuildctl();

/** A project whose spec builds docker/app.Dockerfile's runtime stage, with a build arg in FROM. */
async function dockerfileSpec(verify: readonly string[] = []) {
  const dir = await mkdtemp(join(standIn.root, 'project-'));
  const files = dockerfileSpecProject({
    key: 'app',
    name: 'bk/app',
    registry: '127.0.0.1:5000',
    base: '127.0.0.1:5000/busybox:1',
    verify,
  });
  await writeProject(dir, files);
  return { dir, files, ...(await createBuildRequest({ file: join(dir, 'imagespec.yaml') })) };
}

async function entryPaths(request: BuildRequest): Promise<string[]> {
  const paths: string[] = [];
  for await (const entry of request.contextEntries?.() ?? []) if (entry.kind !== 'dir') paths.push(entry.path);
  return paths.sort();
}

describe('buildkit builder: a spec that brings its own Dockerfile', () => {
  it('builds it whole: the Dockerfile apart under its own name, the context exactly as docker build sends it', async () => {
    const { builder, record, temps } = standIn.setup(success);
    const { dir, files, request } = await dockerfileSpec();
    expect(await builder.build(request)).toMatchObject({ image: request.image, pushed: true });

    const seen = await record();
    // The last stage is the image (core named it and appended it): no target, no build args.
    expect(seen.argv).toContain('filename=app.Dockerfile');
    expect(seen.argv.filter((arg: string) => /^(target|build-arg:)|^--build-arg/.test(arg))).toEqual([]);
    expect(seen.dockerfile).toBe(request.dockerfile('buildkit'));
    expect(seen.dockerfile).toMatch(/\nFROM runtime AS imagespec-image\n/);
    // Beside it, the ignore file BuildKit reads instead of the context's: core applied the rules.
    expect(seen.dockerfileFiles).toEqual(['app.Dockerfile', 'app.Dockerfile.dockerignore']);

    // The context: what core hashed and lists, nothing of imagespec's, the user's files as they are.
    expect(seen.contextFiles.sort()).toEqual(await entryPaths(request));
    expect(seen.contextFiles).not.toContain('.imagespec.Dockerfile');
    expect(seen.contextFiles).not.toContain('secret.txt');
    expect(seen.contextTexts.Dockerfile).toBe(files.Dockerfile);
    expect(seen.contextTexts['.dockerignore']).toBe(await readFile(join(dir, '.dockerignore'), 'utf8'));
    expect(seen.contextTexts['app.txt']).toBe('app content\n');
    expect(temps.filter((path) => existsSync(path))).toEqual([]);

    // plan() is what ran, up to the temp folder.
    const plan = await builder.plan?.(request);
    expect(seen.argv.map((arg: string) => arg.replaceAll(temps[0] as string, '<temp>'))).toEqual(plan?.argv);
  });

  it('verify: the verify stage after the user’s stages is solved first, then imagespec-image is pushed', async () => {
    const { builder, calls, record } = standIn.setup(success);
    const { request } = await dockerfileSpec(['test -f /srv/built.txt']);
    expect(await builder.build(request)).toMatchObject({ pushed: true });

    const [verify, image, ...more] = await calls();
    expect(more).toEqual([]);
    expect(verify).toContain('target=imagespec-verify');
    expect(verify?.some((arg) => arg.includes('push=true'))).toBe(false);
    expect(image).toContain('target=imagespec-image');
    expect(image).toContain(`type=image,name=127.0.0.1:5000/bk/app:${request.hash},push=true,registry.insecure=true`);
    expect((await record()).dockerfile).toBe(
      `${request.dockerfile('buildkit')}FROM imagespec-image AS imagespec-verify\nRUN test -f /srv/built.txt\n`,
    );
  });

  it('verify: a failing command fails the build, and the push solve never runs', async () => {
    const { builder, calls, temps } = standIn.setup({
      ...success,
      verify: { stderr: await failedIn('imagespec-verify 1/1'), exit: 1 },
    });
    const { request } = await dockerfileSpec(['echo about to fail; exit 3']);
    await expect(builder.build(request)).rejects.toMatchObject({
      code: 'VERIFY_FAILED',
      details: { command: 'echo about to fail; exit 3', exitCode: 3, output: ['about to fail'] },
    });
    const ran = await calls();
    expect(ran).toHaveLength(1);
    expect(ran.flat().some((arg) => arg.includes('push=true'))).toBe(false);
    expect(temps.filter((path) => existsSync(path))).toEqual([]);
  });
});
