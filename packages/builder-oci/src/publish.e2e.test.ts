// What crosses the wire: unchanged layers are never uploaded again (a large source's
// unchanged shards included), the same inputs give one digest from two clones, and a
// cancelled push leaves no tag.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BuildEvent } from '@imagespec/core';
import { testEnv } from '@imagespec/test-env';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startCountingProxy } from '../test/counting-proxy.js';
import { docker, makeProject, registryManifest, resolveSpec, runEngine, uniqueName } from '../test/e2e-harness.js';

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

  it('cuts a 5 MB source into shards the engine unpacks into the one tree, and re-uploads one shard after an edit', async () => {
    const { registry, baseImages } = testEnv();
    const proxy = await startCountingProxy(registry.host);
    // 40 files of 128 KiB that deflate cannot shrink, in nested folders, one executable, and an empty folder.
    const tree: Record<string, string | { text: string; mode: number }> = {};
    for (let i = 0; i < 40; i++) {
      tree[`src/pkg${i % 5}/sub${i % 3}/f${i}.bin`] = randomBytes(96 * 1024).toString('base64');
    }
    tree['src/run.sh'] = { text: 'echo run\n', mode: 0o755 };
    const dir = await makeProject(tree);
    await mkdir(join(dir, 'src/empty/inner'), { recursive: true });
    const cache = await mkdtemp(join(tmpdir(), 'imagespec-oci-cache-'));
    onTestFinished(() => rm(cache, { recursive: true, force: true }));
    const input = {
      name: uniqueName('shards'),
      registry: proxy.host,
      baseImage: baseImages.busybox,
      sourceRoot: 'src',
      workdir: '/srv',
      // Every path with its type, mode and owner, then the files' contents in path order.
      cmd: [
        'sh',
        '-c',
        'find . | sort | while read p; do stat -c \'%F %a %u:%g %n\' "$p"; done; find . -type f | sort | xargs cat | md5sum',
      ],
    };
    const env = { XDG_CACHE_HOME: cache };
    const expected = async () => {
      const lines = [['directory', '755', '.']];
      const paths = execFileSync('sh', ['-c', 'cd src && find . | sort'], { cwd: dir, encoding: 'utf8' })
        .trim()
        .split('\n');
      const contents: Buffer[] = [];
      for (const path of paths.slice(1)) {
        const info = await stat(join(dir, 'src', path));
        const isDir = info.isDirectory();
        const mode = isDir || info.mode & 0o111 ? '755' : '644';
        lines.push([isDir ? 'directory' : 'regular file', mode, path]);
        if (!isDir) contents.push(await readFile(join(dir, 'src', path)));
      }
      const md5 = createHash('md5').update(Buffer.concat(contents)).digest('hex');
      return `${lines.map(([type, mode, path]) => `${type} ${mode} 0:0 ${path}`).join('\n')}\n${md5}  -\n`;
    };
    const run = (image: string) => {
      const local = image.replace(proxy.host, registry.host);
      docker('pull', local);
      try {
        return docker('run', '--rm', '--network', 'none', local);
      } finally {
        docker('rmi', '-f', local);
      }
    };

    const first = await runEngine([resolveSpec(input, dir)], { env });
    const built = first.summary.images[0]!;
    expect(built).toMatchObject({ status: 'pushed', builder: 'oci' });
    const shards = (events: readonly BuildEvent[]) =>
      events.filter((event) => event.type === 'log' && / # imagespec builder-oci, part \d of 4: /.test(event.line));
    expect(shards(first.events)).toHaveLength(4);
    expect(run(built.image)).toBe(await expected());

    await writeFile(join(dir, 'src/pkg1/sub1/f1.bin'), 'edited\n');
    const before = proxy.requests.length;
    const second = await runEngine([resolveSpec(input, dir)], { env });
    const rebuilt = second.summary.images[0]!;
    expect(rebuilt).toMatchObject({ status: 'pushed', builder: 'oci' });
    const lines = shards(second.events).map((event) => (event as { line: string }).line);
    expect(lines.filter((line) => line.endsWith('unchanged: the cached blob)'))).toHaveLength(3);
    const starts = proxy.requests
      .slice(before)
      .filter((r) => r.method === 'POST' && r.path.includes('/blobs/uploads/'));
    expect(starts.length).toBe(2); // the edited file's shard and the config
    expect(run(rebuilt.image)).toBe(await expected());
    const layers = async (image: string) => {
      const { body } = await registryManifest(registry.url, input.name, image.split(':').pop()!);
      return (body?.layers as { digest: string }[] | undefined)?.map((layer) => layer.digest) ?? [];
    };
    const [was, is] = [await layers(built.image), await layers(rebuilt.image)];
    expect(is).toHaveLength(was.length);
    expect(is.filter((digest, i) => digest !== was[i])).toHaveLength(1);
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
