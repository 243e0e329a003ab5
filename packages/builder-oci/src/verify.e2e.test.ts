// verify: the image is pushed by digest, checked in the real engine, and tagged only when it passes.
import { testEnv } from '@imagespec/test-env';
import { describe, expect, it } from 'vitest';
import { makeProject, registryManifest, resolveSpec, runEngine, uniqueName } from '../test/e2e-harness.js';

describe('builder-oci verify', () => {
  it('tags the image after its verify commands pass in the engine', async () => {
    const { registry, baseImages } = testEnv();
    const dir = await makeProject({ 'hello.txt': 'hello\n' });
    const name = uniqueName('verify-ok');
    const { summary, events } = await runEngine([
      resolveSpec(
        {
          name,
          registry: registry.host,
          baseImage: baseImages.busybox,
          copy: ['hello.txt'],
          verify: ['grep -q hello /root/hello.txt'],
        },
        dir,
      ),
    ]);
    expect(summary.images[0]).toMatchObject({ status: 'pushed' });
    const steps = events.flatMap((e) => (e.type === 'step' && e.status === 'done' ? [e.name] : []));
    expect(steps).toContain('verify 1/1: grep -q hello /root/hello.txt');
    const tag = summary.images[0]!.image.split(':').pop()!;
    expect((await registryManifest(registry.url, name, tag)).status).toBe(200);
  });

  it('puts no tag when a verify command fails; the manifest exists only by digest', async () => {
    const { registry, baseImages } = testEnv();
    const dir = await makeProject({ 'hello.txt': 'hello\n' });
    const name = uniqueName('verify-fail');
    const { summary } = await runEngine([
      resolveSpec(
        {
          name,
          registry: registry.host,
          baseImage: baseImages.busybox,
          copy: ['hello.txt'],
          verify: ['echo checking; test -f /root/missing.txt'],
        },
        dir,
      ),
    ]);
    const result = summary.images[0]!;
    expect(result).toMatchObject({ status: 'failed', error: { code: 'VERIFY_FAILED' } });
    expect(result.error?.message).toContain('exited with 1');
    expect(result.error?.message).toContain('checking');
    const tag = result.image.split(':').pop()!;
    expect((await registryManifest(registry.url, name, tag)).status).toBe(404);
    const digest = /pushed by digest (sha256:[0-9a-f]{64})/.exec(result.error?.message ?? '')?.[1];
    expect(digest).toBeDefined();
    expect((await registryManifest(registry.url, name, digest!)).status).toBe(200);
  });

  it('does not take a spec with verify when no engine can run it, and says why', async () => {
    const { registry, baseImages } = testEnv();
    const dir = await makeProject({ 'hello.txt': 'hello\n' });
    const { summary } = await runEngine(
      [
        resolveSpec(
          {
            name: uniqueName('verify-none'),
            registry: registry.host,
            baseImage: baseImages.busybox,
            copy: ['hello.txt'],
            verify: ['true'],
          },
          dir,
        ),
      ],
      { builder: { engine: false } },
    );
    expect(summary.images[0]).toMatchObject({ status: 'failed', error: { code: 'BUILDER_UNAVAILABLE' } });
    expect(summary.images[0]?.error?.message).toContain(
      'verify needs a local Docker engine to run the commands in before the tag is put, and the oci builder has engine: false',
    );
  });
});
