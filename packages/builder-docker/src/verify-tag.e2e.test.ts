import { createBuildRequest } from '@imagespec/core/testing';
import { testEnv } from '@imagespec/test-env';
import { describe, expect, it } from 'vitest';
import { createTestBuilder, docker, makeProject, resolveSpec, uniqueName, waitUntil } from '../test/e2e-harness.js';

const env = testEnv();

function hasImage(ref: string): boolean {
  try {
    docker('image', 'inspect', ref);
    return true;
  } catch {
    return false;
  }
}

/** Verify containers whose command has `marker`: their image (the id the build produced). */
function verifyContainers(marker: string): { id: string; image: string }[] {
  const lines = docker(
    'ps',
    '-a',
    '--no-trunc',
    '--filter',
    'label=dev.imagespec.verify',
    '--format',
    '{{.ID}} {{.Image}} {{.Command}}',
  );
  return lines
    .split('\n')
    .filter((line) => line.includes(marker))
    .map((line) => {
      const [id = '', image = ''] = line.split(' ');
      return { id, image };
    });
}

describe.each([
  ['classic', false],
  ['buildkit', true],
] as const)('the tag only after verify (%s builder)', (_label, buildkit) => {
  it('while verify runs the image carries no tag; cancelled then, it never does and nothing is left', {
    timeout: 90_000,
  }, async () => {
    const controller = new AbortController();
    const marker = uniqueName('verify-marker');
    const spec = await resolveSpec(
      {
        name: uniqueName('verify-cancel'),
        baseImage: env.baseImages.busybox,
        commands: [`echo ${marker} > /content`],
        verify: [`sleep 30 # ${marker}`],
      },
      await makeProject({}),
    );
    const prepared = await createBuildRequest(spec, { push: false, signal: controller.signal });
    const building = (await createTestBuilder({ buildkit })).build(prepared.request).catch((error: unknown) => error);
    expect(await waitUntil(() => verifyContainers(marker).length > 0, 60_000)).toBe(true);
    const [container] = verifyContainers(marker);
    expect(container?.image).toMatch(/^sha256:/);
    expect(hasImage(prepared.request.image)).toBe(false);
    controller.abort(new Error('test cancel'));
    expect(await building).toMatchObject({ code: 'CANCELLED' });
    expect(hasImage(prepared.request.image)).toBe(false);
    expect(hasImage(container?.image ?? '')).toBe(false);
    expect(verifyContainers(marker)).toEqual([]);
  });
});
