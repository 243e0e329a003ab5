// A source layer of many gzip members (layer-writer.ts), pulled and run by the real engine,
// and rebuilt after a one-file change with the member cache.
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import type { BuildEvent } from '@imagespec/core';
import { testEnv } from '@imagespec/test-env';
import { describe, expect, it, onTestFinished } from 'vitest';
import { docker, makeProject, registryManifest, resolveSpec, runEngine, uniqueName } from '../test/e2e-harness.js';

/** 240 text files in 12 folders and one 600 KB file of bytes deflate cannot shrink. */
function sourceFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (let d = 0; d < 12; d++) {
    for (let f = 0; f < 20; f++) files[`src/pkg${d}/m${f}.py`] = `X = ${d * 100 + f}\n${'# filler\n'.repeat(200)}`;
  }
  let data = '';
  for (let i = 0; data.length < 600 * 1024; i++) data += createHash('sha256').update(String(i)).digest('base64');
  files['src/data.bin'] = data;
  return files;
}

/** Gzip members in a blob: a 10-byte header (no optional fields), deflate data, an 8-byte trailer each. */
function countMembers(gz: Buffer): number {
  let count = 0;
  for (let at = 0; at < gz.length; count++) {
    const { engine } = inflateRawSync(gz.subarray(at + 10), { info: true }) as unknown as {
      engine: { bytesWritten: number };
    };
    at += 10 + engine.bytesWritten + 8;
  }
  return count;
}

const layerLine = (events: readonly BuildEvent[]) =>
  events.flatMap((event) =>
    event.type === 'log' && event.line.includes('gzip members compressed') ? [event.line] : [],
  )[0];

describe('builder-oci: a layer of many gzip members', () => {
  it('is pulled and run by the engine, and a one-file rebuild compresses one member', async () => {
    const { registry, baseImages } = testEnv();
    const files = sourceFiles();
    const dir = await makeProject(files);
    const cache = await mkdtemp(join(tmpdir(), 'imagespec-oci-cache-'));
    onTestFinished(() => rm(cache, { recursive: true, force: true }));
    const name = uniqueName('members');
    const spec = () =>
      resolveSpec(
        {
          name,
          registry: registry.host,
          baseImage: baseImages.busybox,
          sourceRoot: 'src',
          workdir: '/srv',
          cmd: ['sh', '-c', 'cat pkg*/*.py | md5sum; md5sum < data.bin; ls pkg*/*.py | wc -l'],
        },
        dir,
      );
    const env = { XDG_CACHE_HOME: cache };
    const first = await runEngine([spec()], { env });
    expect(first.summary.images[0]).toMatchObject({ status: 'pushed', builder: 'oci' });
    expect(layerLine(first.events)).toMatch(/ (\d+) of \1 gzip members compressed, 0 from cache/);

    const image = first.summary.images[0]!.image;
    const manifest = await registryManifest(registry.url, name, image.split(':').pop()!);
    const layers = manifest.body?.layers as { digest: string }[];
    const blob = Buffer.from(
      await (await fetch(`${registry.url}/v2/${name}/blobs/${layers.at(-1)!.digest}`)).arrayBuffer(),
    );
    expect(countMembers(blob)).toBeGreaterThan(5);

    const md5 = (text: string) => createHash('md5').update(text).digest('hex');
    const py = Object.keys(files)
      .filter((path) => path.endsWith('.py'))
      .sort()
      .map((path) => files[path])
      .join('');
    docker('pull', image);
    try {
      const out = docker('run', '--rm', '--network', 'none', image);
      expect(out.split('\n').map((line) => line.trim().split(/\s+/)[0])).toEqual([
        md5(py),
        md5(files['src/data.bin']!),
        '240',
        '',
      ]);
    } finally {
      docker('rmi', '-f', image);
    }

    await writeFile(join(dir, 'src/pkg3/m7.py'), 'X = 0\n');
    const second = await runEngine([spec()], { env });
    expect(second.summary.images[0]).toMatchObject({ status: 'pushed', builder: 'oci' });
    expect(layerLine(second.events)).toMatch(/ 1 of (\d+) gzip members compressed, \d+ from cache/);
  });
});
