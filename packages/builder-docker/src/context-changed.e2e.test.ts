// A file that changes after core's engine computed the tag and before the builder reads the
// build context: the real docker builder, on the real engine, driven by core's runBuilds,
// must fail the build and push nothing, neither under the old tag nor any other. The only
// test part is a wrapper around the real builder that edits the file at that moment (as an
// editor saving or a generator running would).
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuildEvent, BuildRequest, ResolvedImageSpec, RunSummary } from '@imagespec/core';
import * as core from '@imagespec/core';
import { testEnv } from '@imagespec/test-env';
import { describe, expect, it } from 'vitest';
import {
  docker,
  type LocalBuilder,
  makeProject,
  registryAccess,
  resolveSpec,
  uniqueName,
} from '../test/e2e-harness.js';
import definition from './index.js';

const env = testEnv();

async function manifestStatus(image: string): Promise<number> {
  const [, repository, tag] = /^[^/]+\/(.+):([^:]+)$/.exec(image) ?? [];
  const response = await fetch(`http://${env.registry.host}/v2/${repository}/manifests/${tag}`, {
    method: 'HEAD',
    headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' },
  });
  return response.status;
}

async function tags(repository: string): Promise<string[]> {
  const response = await fetch(`http://${env.registry.host}/v2/${repository}/tags/list`);
  if (response.status === 404) return [];
  return ((await response.json()) as { tags?: string[] | null }).tags ?? [];
}

/** core's engine with the real docker builder, which first runs `beforeBuild` (after the tag is computed). */
async function runWithEdit(
  spec: ResolvedImageSpec,
  buildkit: boolean,
  beforeBuild: (request: BuildRequest) => Promise<void>,
): Promise<{ summary: RunSummary; events: BuildEvent[] }> {
  const access = registryAccess();
  const host = core.createBuilderHost({
    logger: { debug() {}, info() {}, warn: (m) => console.warn(m) },
    registries: access,
    cwd: spec.origin.dir,
    env: {},
  });
  const editing: typeof definition = {
    ...definition,
    async create(options, builderHost) {
      const inner = (await definition.create(options, builderHost)) as LocalBuilder;
      return {
        available: () => inner.available(),
        supports: (s) => inner.supports(s),
        exists: (image: string) => inner.exists(image),
        async build(request) {
          await beforeBuild(request);
          return inner.build(request);
        },
      } as LocalBuilder;
    },
  };
  const builders = core.createBuilderRegistry(
    [[editing, { socketPath: env.dockerSocket, network: 'host', buildkit }]],
    host,
  );
  const events: BuildEvent[] = [];
  try {
    const summary = await core.runBuilds({
      specs: [spec],
      config: { dir: spec.origin.dir, builders: [], defaults: {}, registries: {}, mirrors: {} },
      builders,
      registryClient: core.createRegistryClient({ access }),
      access,
      force: false,
      onEvent: (event) => events.push(event),
    });
    return { summary, events };
  } finally {
    await builders.dispose();
    await host.dispose();
  }
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
    const oldImage = (await core.computeImageIdentity(spec)).image;

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
    expect(await manifestStatus(oldImage)).toBe(404);
    expect(await tags(name)).toEqual([]);
    expect(() => docker('image', 'inspect', oldImage)).toThrow();

    // Building again computes the tag of what is on disk now, and pushes under it.
    const second = await runWithEdit(spec, buildkit, async () => {});
    const [pushed] = second.summary.images;
    expect(pushed?.status).toBe('pushed');
    expect(pushed?.image).not.toBe(oldImage);
    expect(pushed?.image).toBe((await core.computeImageIdentity(spec)).image);
    expect(await manifestStatus(pushed?.image ?? '')).toBe(200);
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
