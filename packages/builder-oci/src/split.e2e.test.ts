// The split build: a spec with packages and source as a docker-built base part plus the source
// layers (2 shards) appended by builder-oci, against the Dockerfile path on the real engine and registry.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import dockerBuilder from '@imagespec/builder-docker';
import type { BuildEvent, BuilderOption, ImageSpecInput } from '@imagespec/core';
import { testEnv } from '@imagespec/test-env';
import { describe, expect, it } from 'vitest';
import { docker, makeProject, registryManifest, resolveSpec, runEngine, uniqueName } from '../test/e2e-harness.js';

const DOCKER: BuilderOption = [dockerBuilder, { network: 'host' }];
const CLASSIC: BuilderOption = [dockerBuilder, { network: 'host', buildkit: false }];

/** What both paths must give alike: the config's runtime settings. */
const CONFIG_FIELDS =
  '{{json .Config.Env}} {{json .Config.WorkingDir}} {{json .Config.User}} {{json .Config.Entrypoint}} {{json .Config.Cmd}} {{json .Config.Labels}} {{json .Config.ExposedPorts}} {{json .Config.Volumes}} {{json .Config.StopSignal}} {{.Os}}/{{.Architecture}}';

/** Every path in the image with its type, mode, owner, link target and (files) content digest, as root sees them. */
function fileList(image: string): string {
  // The engine mounts /proc, /sys, /dev and the three /etc files of each container over the image's.
  const prune =
    '\\( -path /proc -o -path /sys -o -path /dev -o -path /etc/hostname -o -path /etc/hosts -o -path /etc/resolv.conf \\) -prune';
  const script = [
    `find / -xdev ${prune} -o -printf '%y %#m %U:%G %p %l\\n' | sort`,
    `&& find / -xdev ${prune} -o -type f -print0 | sort -z | xargs -0 sha256sum`,
  ].join(' ');
  const argv = ['run', '--rm', '--network', 'none', '--user', '0:0', '--entrypoint', '/bin/sh', image, '-c', script];
  // The list of a Python image runs to megabytes: more than docker()'s default buffer.
  return execFileSync('docker', ['-H', `unix://${testEnv().dockerSocket}`, ...argv], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
}

function pulled<T>(image: string, read: (image: string) => T): T {
  docker('pull', image);
  try {
    return read(image);
  } finally {
    // --no-prune: the classic builder's cache is the image's parent chain, which the split's base part must hit
    // (a package step run again writes other .pyc timestamps, so the two images would differ by the rebuild alone).
    docker('rmi', '-f', '--no-prune', image);
  }
}

const buildingBy = (events: readonly BuildEvent[]) =>
  events.flatMap((event) => (event.type === 'building' ? [[event.builder, event.image]] : []));

async function project(env: ReturnType<typeof testEnv>) {
  const dir = await makeProject({
    'config.ini': '[app]\nmode = prod\n',
    'src/main.py': 'import isp_beta\nprint(isp_beta.VALUE, "v1")\n',
    'src/tool.sh': { text: '#!/bin/sh\necho tool\n', mode: 0o755 },
    'src/pkg/data.txt': 'data\n',
    // 2.6 MB that deflate cannot shrink: builder-oci cuts the source into 2 shards.
    ...Object.fromEntries(
      Array.from({ length: 20 }, (_, i) => [
        `src/data/d${i % 4}/blob${i}.bin`,
        randomBytes(96 * 1024).toString('base64'),
      ]),
    ),
  });
  const input: ImageSpecInput = {
    name: uniqueName('split'),
    registry: env.registry.host,
    baseImage: env.baseImages.python,
    packages: ['isp-beta==2.0.0'],
    pipIndex: env.pipIndex.url,
    copy: [{ src: 'config.ini', dest: '/etc/app/config.ini' }],
    commands: ['python3 -c "import isp_beta" && echo built > /built.txt'],
    env: { APP_MODE: 'prod', PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/app' },
    sourceRoot: 'src',
    workdir: '/app',
    labels: { team: 'ml' },
    user: 'nobody',
    entrypoint: ['python3'],
    cmd: ['/app/main.py'],
  };
  return { dir, input };
}

describe('split build (packages by docker, source by builder-oci)', () => {
  it.each([
    ['BuildKit', DOCKER],
    ['classic', CLASSIC],
  ] as const)(
    'gives the same files and config as the Dockerfile path (%s), under the same tag; a source edit builds nothing on a daemon',
    {
      timeout: 600_000,
    },
    async (_label, daemon) => {
      const env = testEnv();
      const { dir, input } = await project(env);
      const spec = () => resolveSpec(input, dir);

      // The plan shows both images and who builds each.
      const planned = await runEngine([spec()], { others: [daemon], dryRun: true });
      expect(planned.summary.plans.map((plan) => [plan.builder, plan.part])).toEqual([
        ['docker', 'base'],
        ['oci', 'top'],
      ]);
      const [basePlan, topPlan] = planned.summary.plans;
      expect(topPlan?.image).toBe(planned.summary.images[0]?.image);
      expect(basePlan?.image).not.toBe(topPlan?.image);

      // The Dockerfile path alone (docker only).
      const whole = await runEngine([spec()], { oci: false, others: [daemon] });
      const image = whole.summary.images[0]!;
      expect(image).toMatchObject({ status: 'pushed', builder: 'docker' });
      const expected = pulled(image.image, (ref) => ({
        config: docker('inspect', '--format', CONFIG_FIELDS, ref),
        files: fileList(ref),
        run: docker('run', '--rm', '--network', 'none', ref),
      }));

      // The split, forced over the same tag: the tag does not depend on the builders.
      const split = await runEngine([spec()], { others: [daemon], force: true });
      const result = split.summary.images[0]!;
      expect(result).toMatchObject({ image: image.image, status: 'pushed', builder: 'oci' });
      expect(result.split).toMatchObject({ builder: 'docker', image: basePlan?.image });
      expect(buildingBy(split.events)).toEqual([
        ['docker', basePlan?.image],
        ['oci', image.image],
      ]);
      const actual = pulled(result.image, (ref) => ({
        config: docker('inspect', '--format', CONFIG_FIELDS, ref),
        files: fileList(ref),
        run: docker('run', '--rm', '--network', 'none', ref),
      }));
      expect(actual.run).toBe('beta+alpha v1\n');
      expect(actual.config).toBe(expected.config);
      expect(actual.config).toContain(`"dev.imagespec.hash":"${image.hash}"`);
      expect(actual.files.split('\n')).toEqual(expected.files.split('\n'));
      const shards = split.events.filter((event) => event.type === 'log' && /, part \d of 2: /.test(event.line));
      expect(shards).toHaveLength(2);

      // One source file edited: a new tag; the base part is found in the registry, only builder-oci builds.
      await writeFile(join(dir, 'src/main.py'), 'import isp_beta\nprint(isp_beta.VALUE, "v2")\n');
      const edited = await runEngine([spec()], { others: [daemon] });
      const next = edited.summary.images[0]!;
      expect(next).toMatchObject({ status: 'pushed', builder: 'oci', split: { status: 'skipped' } });
      expect(next.image).not.toBe(image.image);
      expect(buildingBy(edited.events)).toEqual([['oci', next.image]]);
      expect(edited.events).toContainEqual(expect.objectContaining({ type: 'skipped', image: basePlan?.image }));
      expect(pulled(next.image, (ref) => docker('run', '--rm', '--network', 'none', ref))).toBe('beta+alpha v2\n');
    },
  );

  it('puts no tag when verify fails on the final image', { timeout: 600_000 }, async () => {
    const env = testEnv();
    const { dir, input } = await project(env);
    const spec = resolveSpec({ ...input, verify: ['test -f /app/missing.py'] }, dir);
    const { summary, events } = await runEngine([spec], { others: [DOCKER] });
    const result = summary.images[0]!;
    expect(result).toMatchObject({ status: 'failed', builder: 'oci', error: { code: 'VERIFY_FAILED' } });
    // The base part was built and pushed under its own tag; the final image under none.
    expect(buildingBy(events).map(([builder]) => builder)).toEqual(['docker', 'oci']);
    const tag = result.image.split(':').pop()!;
    expect((await registryManifest(env.registry.url, input.name!, tag)).status).toBe(404);
  });

  it('keeps the Dockerfile path when a builder is named or nothing is pushed', { timeout: 600_000 }, async () => {
    const env = testEnv();
    const { dir, input } = await project(env);
    const named = await runEngine([resolveSpec({ ...input, builder: 'docker' }, dir)], {
      others: [DOCKER],
      dryRun: true,
    });
    expect(named.summary.plans.map((plan) => [plan.builder, plan.part])).toEqual([['docker', undefined]]);
    const local = await runEngine([resolveSpec(input, dir)], { others: [DOCKER], dryRun: true, push: false });
    expect(local.summary.plans.map((plan) => [plan.builder, plan.part])).toEqual([['docker', undefined]]);
  });
});
