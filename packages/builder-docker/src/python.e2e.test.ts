import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { testEnv } from '@imagespec/test-env';
import { describe, expect, it } from 'vitest';
import { docker, makeProject, resolveSpec, runEngine, stepLines, uniqueName } from '../test/e2e-harness.js';

const env = testEnv();

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
    const builder = { buildkit };

    // First build: installed from the index, verified in the image, pushed.
    const first = await runEngine([await resolveSpec(input, dir)], { builder });
    const image = first.summary.images[0]?.image ?? '';
    expect(first.summary.images[0]?.status).toBe('pushed');
    expect(stepLines(first.builderEvents)).toContain(`done verify 1/1: ${input.verify[0]}`);
    expect(docker('run', '--rm', '--network', 'host', image)).toBe('beta+alpha gamma v1\n');

    // The same spec again: the tag is in the registry, nothing is built.
    const again = await runEngine([await resolveSpec(input, dir)], { builder });
    expect(again.summary.images[0]).toMatchObject({ image, status: 'skipped' });
    expect(again.events.map((e) => e.type)).not.toContain('building');

    // force: built again (from the engine's cache) and pushed again.
    const forced = await runEngine([await resolveSpec(input, dir)], { builder, force: true });
    expect(forced.summary.images[0]).toMatchObject({ image, status: 'pushed' });
    expect(forced.events.map((e) => e.type)).toContain('building');

    // One source file changed: a new tag, and the package install step comes from the cache.
    await writeFile(
      join(dir, 'src/main.py'),
      'import isp_beta, isp_gamma\nprint(isp_beta.VALUE, isp_gamma.VALUE, "v2")\n',
    );
    const changed = await runEngine([await resolveSpec(input, dir)], { builder });
    const changedImage = changed.summary.images[0]?.image ?? '';
    expect(changedImage).not.toBe(image);
    expect(changed.summary.images[0]?.status).toBe('pushed');
    const steps = stepLines(changed.builderEvents);
    expect(steps).toEqual(expect.arrayContaining([expect.stringMatching(/^cached .*pip install/)]));
    // (the classic builder announces each step as started before it finds it in its cache)
    expect(steps.some((line) => /^done .*pip install/.test(line))).toBe(false);
    expect(steps.some((line) => /^done .*_imagespec\/source/.test(line))).toBe(true);
    expect(docker('run', '--rm', '--network', 'host', changedImage)).toBe('beta+alpha gamma v2\n');
    docker('rmi', image, changedImage);
  });
});
