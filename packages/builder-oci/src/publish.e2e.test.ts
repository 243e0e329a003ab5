// What crosses the wire: unchanged layers are never uploaded again, the same inputs give
// one digest from two clones, and a cancelled push leaves no tag.
import { execFileSync } from 'node:child_process';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { testEnv } from '@imagespec/test-env';
import { describe, expect, it } from 'vitest';
import { startCountingProxy } from '../test/counting-proxy.js';
import { makeProject, registryManifest, resolveSpec, runEngine, uniqueName } from '../test/e2e-harness.js';

const files = {
  'data/config.json': '{"a":1}\n',
  'src/app.py': 'print("one")\n',
  'src/run.sh': { text: 'echo run\n', mode: 0o755 },
  'src/pkg/util.py': 'X = 1\n',
};

describe('builder-oci publishing', () => {
  it('uploads only the changed layer and the config after a one-file change; base layers are found by HEAD', async () => {
    const { registry, baseImages } = testEnv();
    const proxy = await startCountingProxy(registry.host);
    const dir = await makeProject(files);
    const input = {
      name: uniqueName('uploads'),
      registry: proxy.host,
      baseImage: baseImages.busybox,
      copy: ['data'],
      sourceRoot: 'src',
      cmd: ['python3', 'app.py'],
    };
    const first = await runEngine([resolveSpec(input, dir)]);
    expect(first.summary.images[0]).toMatchObject({ status: 'pushed' });
    // The base lives on another host (the registry behind the proxy is not the proxy): copied once.
    const firstUploads = proxy.uploads();
    expect(firstUploads).toBeGreaterThanOrEqual(4); // base layer(s), the copy layer, the source layer, the config
    await writeFile(join(dir, 'src/app.py'), 'print("two")\n');
    const before = proxy.requests.length;
    const second = await runEngine([resolveSpec(input, dir)]);
    expect(second.summary.images[0]).toMatchObject({ status: 'pushed' });
    expect(second.summary.images[0]?.image).not.toBe(first.summary.images[0]?.image);
    const rebuild = proxy.requests.slice(before);
    const starts = rebuild.filter((r) => r.method === 'POST' && r.path.includes('/blobs/uploads/'));
    expect(starts.length).toBe(2); // the source layer and the config
    const puts = rebuild.filter((r) => r.method === 'PUT' && r.path.includes('/blobs/uploads/'));
    expect(puts.length).toBe(2);
  });

  it('gives one digest for the same inputs from two clones made under umask 022 and 077 in other folders', async () => {
    const { registry, baseImages } = testEnv();
    const origin = await makeProject(files);
    // Each clone is a copy made by a child process with its own umask, as a checkout would be.
    const clone = async (umask: string) => {
      const parent = await makeProject({});
      execFileSync('sh', ['-c', `umask ${umask} && cp -r "$0/." "$1/clone"`, origin, parent]);
      return join(parent, 'clone');
    };
    const loose = await clone('022');
    const tight = await clone('077');
    expect((await stat(join(tight, 'src/app.py'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(loose, 'src/app.py'))).mode & 0o777).toBe(0o644);
    const input = (name: string) => ({
      name,
      registry: registry.host,
      baseImage: baseImages.busybox,
      copy: ['data'],
      sourceRoot: 'src',
      env: { MODE: 'x' },
      cmd: ['sh', 'run.sh'],
    });
    const a = await runEngine([resolveSpec(input(uniqueName('clone-a')), loose)]);
    const b = await runEngine([resolveSpec(input(uniqueName('clone-b')), tight)]);
    const [imageA, imageB] = [a.summary.images[0]!, b.summary.images[0]!];
    expect(imageA.status).toBe('pushed');
    expect(imageB.status).toBe('pushed');
    expect(imageA.hash).toBe(imageB.hash);
    expect(imageA.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(imageB.digest).toBe(imageA.digest);
  });

  it('leaves no tag when the run is cancelled during the upload', async () => {
    const { registry, baseImages } = testEnv();
    const dir = await makeProject({ 'big.bin': 'x'.repeat(4 * 1024 * 1024) });
    const name = uniqueName('cancel');
    const controller = new AbortController();
    const { summary } = await runEngine(
      [resolveSpec({ name, registry: registry.host, baseImage: baseImages.busybox, copy: ['big.bin'] }, dir)],
      {
        signal: controller.signal,
        onEvent: (event) => {
          if (event.type === 'step' && event.id === 'push' && event.status === 'started') controller.abort();
        },
      },
    );
    expect(summary.images[0]).toMatchObject({ status: 'failed', error: { code: 'CANCELLED' } });
    const tag = summary.images[0]!.image.split(':').pop()!;
    expect((await registryManifest(registry.url, name, tag)).status).toBe(404);
  });
});
