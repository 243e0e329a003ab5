// builder-oci through core's engine on the real registries and engine of test-env.
import { testEnv } from '@imagespec/test-env';
import { describe, expect, it } from 'vitest';
import { docker, makeProject, registryManifest, resolveSpec, runEngine, uniqueName } from '../test/e2e-harness.js';

describe('builder-oci', () => {
  it('builds an image in the registry that the engine pulls and runs (copy, source, env, workdir, cmd)', async () => {
    const { registry, baseImages } = testEnv();
    const dir = await makeProject({
      'hello.txt': 'hello from oci\n',
      'app/main.sh': { text: 'echo main\n', mode: 0o755 },
      'app/lib/x.txt': 'x\n',
    });
    const name = uniqueName('run');
    const spec = resolveSpec(
      {
        name,
        registry: registry.host,
        baseImage: baseImages.busybox,
        copy: [{ src: 'hello.txt', dest: '/opt/data/hello.txt' }],
        sourceRoot: 'app',
        workdir: '/srv/app',
        env: { GREETING: 'hi', PATH: '/bin:/usr/bin:/srv/app' },
        labels: { team: 'ml' },
        cmd: ['sh', '-c', 'cat /opt/data/hello.txt; echo $GREETING; pwd; ls lib; ./main.sh'],
      },
      dir,
    );
    const { summary } = await runEngine([spec]);
    const built = summary.images[0]!;
    expect(built).toMatchObject({ status: 'pushed', builder: 'oci' });
    docker('pull', built.image);
    try {
      const out = docker('run', '--rm', '--network', 'none', built.image);
      expect(out).toBe('hello from oci\nhi\n/srv/app\nx.txt\nmain\n');
      const labels = JSON.parse(docker('inspect', '--format', '{{json .Config.Labels}}', built.image));
      expect(labels).toMatchObject({ team: 'ml', 'dev.imagespec.hash': built.image.split(':').pop() });
    } finally {
      docker('rmi', '-f', built.image);
    }
    const manifest = await registryManifest(registry.url, name, built.image.split(':').pop()!);
    expect(manifest.status).toBe(200);
  });

  it('fails on a base image the registry does not have with that error, the layer written meanwhile dropped', async () => {
    const { registry } = testEnv();
    const dir = await makeProject({ 'app/main.py': 'print(1)\n' });
    const base = `${registry.host}/imagespec-oci-test/no-such-base:1`;
    const spec = resolveSpec(
      { name: uniqueName('nobase'), registry: registry.host, baseImage: base, sourceRoot: 'app' },
      dir,
    );
    const { summary } = await runEngine([spec]);
    const failed = summary.images[0]!;
    expect(failed.status).toBe('failed');
    expect(failed.error?.code).not.toBe('CANCELLED');
    expect(failed.error?.message).toContain('no-such-base');
  });

  it('builds on a base spec it built first, and on a base pinned by digest', async () => {
    const { registry, baseImages } = testEnv();
    const dir = await makeProject({ 'a.txt': 'from the base spec\n', 'b.txt': 'from the image\n' });
    const base = { name: uniqueName('base'), registry: registry.host, baseImage: baseImages.busybox, copy: ['a.txt'] };
    const spec = resolveSpec(
      {
        name: uniqueName('on-base'),
        registry: registry.host,
        baseImage: base,
        copy: ['b.txt'],
        cmd: ['cat', '/root/a.txt', '/root/b.txt'],
      },
      dir,
    );
    const { summary } = await runEngine([spec]);
    expect(summary.images.map((image) => [image.status, image.builder])).toEqual([
      ['pushed', 'oci'],
      ['pushed', 'oci'],
    ]);
    const built = summary.images[1]!;
    docker('pull', built.image);
    try {
      expect(docker('run', '--rm', '--network', 'none', built.image)).toBe('from the base spec\nfrom the image\n');
    } finally {
      docker('rmi', '-f', built.image);
    }
    const pinned = `${baseImages.busybox}@${(await registryManifest(registry.url, 'imagespec-test/busybox', '1')).digestHeader}`;
    const onDigest = await runEngine([
      resolveSpec({ name: uniqueName('pinned'), registry: registry.host, baseImage: pinned, copy: ['b.txt'] }, dir),
    ]);
    expect(onDigest.summary.images[0]).toMatchObject({ status: 'pushed', builder: 'oci' });
  });
});
