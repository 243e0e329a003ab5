import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { ContextSyncEntry } from '@imagespec/core/builder';
import { normalizeSpec } from '@imagespec/core/spec';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { layerRoots } from './layer-roots.js';
import { writeLayers } from './layer-writer.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imagespec-oci-unit-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const file = (path: string, text: string, mode = 0o644): ContextSyncEntry => ({
  path,
  kind: 'file',
  mode,
  size: Buffer.byteLength(text),
  mtimeNs: 0,
  read: async function* () {
    yield Buffer.from(text);
  },
});
const dirEntry = (path: string): ContextSyncEntry => ({ path, kind: 'dir', mode: 0o755, size: 0, mtimeNs: 0 });

async function* entries(): AsyncGenerator<ContextSyncEntry> {
  yield dirEntry('_imagespec');
  yield dirEntry('_imagespec/copy');
  yield dirEntry('_imagespec/copy/0');
  yield file('_imagespec/copy/0/config.json', '{}\n');
  yield dirEntry('_imagespec/source');
  yield dirEntry('_imagespec/source/pkg');
  yield file('_imagespec/source/pkg/a.py', 'A = 1\n');
  yield file('_imagespec/source/run.sh', 'echo\n', 0o755);
  yield { path: '_imagespec/source/link', kind: 'symlink', mode: 0o777, size: 0, mtimeNs: 0, linkTarget: 'run.sh' };
}

/** Names, types and modes of a tar, from its headers. */
function listTar(tar: Buffer): string[] {
  const out: string[] = [];
  for (let at = 0; at + 512 <= tar.length; ) {
    const name = tar.toString('latin1', at, at + 100).replace(/\0.*$/s, '');
    if (!name) break;
    const mode = tar.toString('latin1', at + 100, at + 107);
    const size = Number.parseInt(tar.toString('latin1', at + 124, at + 135), 8);
    const type = String.fromCharCode(tar[at + 156]!);
    const mtime = tar.toString('latin1', at + 136, at + 147);
    const uid = tar.toString('latin1', at + 108, at + 115);
    out.push(`${type} ${mode} ${uid} ${mtime} ${name}`);
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

describe('writeLayers', () => {
  const spec = normalizeSpec(
    {
      name: 'app',
      baseImage: 'busybox:1',
      copy: [{ src: 'config.json', dest: '/etc/app/config.json' }],
      sourceRoot: '.',
      workdir: '/srv',
    },
    { dir: '/project' },
  );

  it('writes one layer per root at the image paths COPY gives, without the root or its parents', async () => {
    const layers = await writeLayers(entries(), layerRoots(spec), dir, new AbortController().signal);
    expect(layers.map((l) => l.root.entry.dest)).toEqual(['/etc/app/config.json', '/srv']);
    const tars = await Promise.all(layers.map(async (l) => gunzipSync(await readFile(l.file))));
    expect(tars.map(listTar)).toEqual([
      ['0 000644  000000  00000000000 etc/app/config.json'],
      [
        '5 000755  000000  00000000000 srv/pkg/',
        '0 000644  000000  00000000000 srv/pkg/a.py',
        '0 000755  000000  00000000000 srv/run.sh',
        '2 000777  000000  00000000000 srv/link',
      ],
    ]);
    for (const [i, layer] of layers.entries()) {
      const gz = await readFile(layer.file);
      expect(layer.size).toBe(gz.length);
      expect(layer.digest).toBe(`sha256:${createHash('sha256').update(gz).digest('hex')}`);
      expect(layer.diffId).toBe(`sha256:${createHash('sha256').update(tars[i]!).digest('hex')}`);
      expect(gz.subarray(4, 10)).toEqual(Buffer.from([0, 0, 0, 0, 4, 3])); // mtime 0, xfl 4 (fastest), OS Unix
    }
  });

  it('gives the same bytes every time', async () => {
    const one = await writeLayers(entries(), layerRoots(spec), join(dir), new AbortController().signal);
    const digests = one.map((l) => l.digest);
    const again = await mkdtemp(join(dir, 'again-'));
    const two = await writeLayers(entries(), layerRoots(spec), again, new AbortController().signal);
    expect(two.map((l) => l.digest)).toEqual(digests);
  });
});
