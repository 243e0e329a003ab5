import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Builder, BuildRequest } from '@imagespec/core';
import { testEnv } from '@imagespec/test-env';
import { describe, expect, it } from 'vitest';
import {
  createTestBuilder,
  ensureImage,
  makeProject,
  prepareBuild,
  resolveSpec,
  stepLines,
  uniqueName,
} from './_e2e-harness.js';

const env = testEnv();
const docker = (...args: string[]) =>
  execFileSync('docker', ['-H', `unix://${env.dockerSocket}`, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });

/** Counts the builds that reach the builder, to tell a skip from a build. */
function counting(builder: Builder): Builder & { builds: number } {
  const counted = {
    builds: 0,
    available: () => builder.available(),
    supports: (spec: Parameters<Builder['supports']>[0]) => builder.supports(spec),
    build(request: BuildRequest) {
      counted.builds += 1;
      return builder.build(request);
    },
  };
  return counted;
}

describe.each([
  ['classic', false],
  ['buildkit', true],
] as const)('python image with packages from the local index (%s builder)', (_label, buildkit) => {
  it('installs packages and a requirements file, skips an existing tag, rebuilds on force, and keeps pip cached on a source change', {
    timeout: 300_000,
  }, async () => {
    const dir = await makeProject({
      'requirements.txt': 'isp-gamma==0.1.0\n',
      'src/main.py': 'import isp_beta, isp_gamma\nprint(isp_beta.VALUE, isp_gamma.VALUE, "v1")\n',
    });
    const input = {
      name: uniqueName('py-app'),
      registry: env.registry.host,
      baseImage: env.baseImages.python,
      packages: ['isp-beta==2.0.0'],
      requirements: 'requirements.txt',
      pipIndex: env.pipIndex.url,
      sourceRoot: 'src',
      workdir: '/app',
      cmd: ['python3', '/app/main.py'],
      verify: ["python3 -c 'import isp_alpha, isp_beta, isp_gamma'"],
    };
    const builder = counting(await createTestBuilder({ buildkit }));

    // First build: installed from the index, verified in the image, pushed.
    const first = await prepareBuild(await resolveSpec(input, dir));
    const built = await ensureImage(builder, first);
    expect(built.skipped).toBe(false);
    expect(stepLines(first.events)).toContain(`done verify 1/1: ${input.verify[0]}`);
    expect(docker('run', '--rm', '--network', 'host', first.request.image)).toBe('beta+alpha gamma v1\n');

    // The same spec again: the tag is in the registry, the builder is not called.
    const again = await prepareBuild(await resolveSpec(input, dir));
    expect(again.request.image).toBe(first.request.image);
    expect(await ensureImage(builder, again)).toEqual({ skipped: true });
    expect(builder.builds).toBe(1);

    // force: built again (from the engine's cache), pushed again.
    const forced = await ensureImage(builder, again, { force: true });
    expect(forced.skipped).toBe(false);
    expect(builder.builds).toBe(2);
    expect(again.events.some((e) => e.type === 'step' && e.id === 'push' && e.status === 'done')).toBe(true);

    // One source file changed: a new tag, and the package install step comes from the cache.
    await writeFile(
      join(dir, 'src/main.py'),
      'import isp_beta, isp_gamma\nprint(isp_beta.VALUE, isp_gamma.VALUE, "v2")\n',
    );
    const changed = await prepareBuild(await resolveSpec(input, dir));
    expect(changed.request.image).not.toBe(first.request.image);
    expect((await ensureImage(builder, changed)).skipped).toBe(false);
    const steps = stepLines(changed.events);
    expect(steps.filter((line) => line.includes('pip install'))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^cached .*pip install/)]),
    );
    // (the classic builder announces each step as started before it finds it in its cache)
    expect(steps.some((line) => /^done .*pip install/.test(line))).toBe(false);
    expect(steps.some((line) => /^done .*_imagespec\/source/.test(line))).toBe(true);
    expect(docker('run', '--rm', '--network', 'host', changed.request.image)).toBe('beta+alpha gamma v2\n');
    docker('rmi', first.request.image, changed.request.image);
  });
});
