// A file that changes after core's engine computed the tag and before the builder reads the
// build context: the real docker builder, on the real engine, driven by core's runBuilds,
// must fail the build and push nothing, neither under the old tag nor any other. The only
// test part is a wrapper around the real builder that edits the file at that moment (as an
// editor saving or a generator running would).
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuildRequest, ResolvedImageSpec } from '@imagespec/core';
import { computeImageIdentity } from '@imagespec/core/hash';
import { testEnv } from '@imagespec/test-env';
import { describe, expect, it } from 'vitest';
import { docker, makeProject, manifestStatus, resolveSpec, runEngine, uniqueName } from '../test/e2e-harness.js';

const env = testEnv();

async function tags(repository: string): Promise<string[]> {
  const response = await fetch(`http://${env.registry.host}/v2/${repository}/tags/list`);
  if (response.status === 404) return [];
  return ((await response.json()) as { tags?: string[] | null }).tags ?? [];
}

/** core's engine with the real docker builder, which first runs `beforeBuild` (after the tag is computed). */
function runWithEdit(
  spec: ResolvedImageSpec,
  buildkit: boolean,
  beforeBuild: (request: BuildRequest) => Promise<void>,
) {
  return runEngine([spec], { builder: { buildkit }, beforeBuild });
}

describe.each([
  ['classic', false],
  ['buildkit', true],
] as const)('a file changed after the tag was computed (%s builder)', (_label, buildkit) => {
  it('fails the build naming the file and pushes nothing; the next run builds under the new tag', {
    timeout: 180_000,
  }, async () => {
    const dir = await makeProject({
      'app/main.py': 'print("old")\n',
      'app/data/table.csv': 'a,b\n1,2\n',
    });
    const name = uniqueName('imagespec-test/context-changed');
    const spec = await resolveSpec(
      {
        name,
        registry: env.registry.host,
        baseImage: env.baseImages.busybox,
        commands: [`echo ${uniqueName('nonce')}`],
        sourceRoot: 'app',
        workdir: '/app',
      },
      dir,
    );
    const edited = join(dir, 'app/main.py');
    const oldImage = (await computeImageIdentity(spec)).image;

    let requested = '';
    const first = await runWithEdit(spec, buildkit, async (request) => {
      requested = request.image;
      await writeFile(edited, 'print("new")\n');
    });
    expect(requested).toBe(oldImage);
    const [failed] = first.summary.images;
    expect(failed?.status).toBe('failed');
    expect(failed?.error?.code).toBe('CONTEXT_CHANGED');
    expect(failed?.error?.message).toContain(`${edited} has different content than when the tag was computed`);
    expect(failed?.error?.hint).toContain('Run the build again');
    expect(first.events.map((e) => e.type)).not.toContain('pushed');
    // Nothing under the old tag, nor anywhere in the repository; no local image either.
    expect(await manifestStatus(env.registry.url, oldImage)).toBe(404);
    expect(await tags(name)).toEqual([]);
    expect(() => docker('image', 'inspect', oldImage)).toThrow();

    // Building again computes the tag of what is on disk now, and pushes under it.
    const second = await runWithEdit(spec, buildkit, async () => {});
    const [pushed] = second.summary.images;
    expect(pushed?.status).toBe('pushed');
    expect(pushed?.image).not.toBe(oldImage);
    expect(pushed?.image).toBe((await computeImageIdentity(spec)).image);
    expect(await manifestStatus(env.registry.url, pushed?.image ?? '')).toBe(200);
    expect(await tags(name)).toEqual([pushed?.image.split(':').at(-1)]);
    expect(docker('run', '--rm', '--network', 'none', pushed?.image ?? '', 'cat', '/app/main.py')).toBe(
      'print("new")\n',
    );
    docker('rmi', pushed?.image ?? '');
  });

  it('fails on a large file (sent in chunks) whose end changed, and pushes nothing', { timeout: 180_000 }, async () => {
    const dir = await makeProject({ 'app/main.py': 'print(1)\n' });
    const big = randomBytes(8 * 1024 * 1024);
    await writeFile(join(dir, 'app/model.bin'), big);
    const name = uniqueName('imagespec-test/context-changed-large');
    const spec = await resolveSpec(
      {
        name,
        registry: env.registry.host,
        baseImage: env.baseImages.busybox,
        commands: [`echo ${uniqueName('nonce')}`],
        sourceRoot: 'app',
      },
      dir,
    );
    const edited = join(dir, 'app/model.bin');
    const { summary, events } = await runWithEdit(spec, buildkit, async () => {
      big.fill(0, big.length - 10);
      await writeFile(edited, big);
    });
    const [failed] = summary.images;
    expect(failed?.status).toBe('failed');
    expect(failed?.error?.code).toBe('CONTEXT_CHANGED');
    expect(failed?.error?.message).toContain(`${edited} has different content than when the tag was computed`);
    expect(events.map((e) => e.type)).not.toContain('pushed');
    expect(await tags(name)).toEqual([]);
    expect(() => docker('image', 'inspect', failed?.image ?? '')).toThrow();
  });
});
