import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import tarStream from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testSpec } from '../../test/test-spec.js';
import type { ContextSyncEntry } from '../contract/builder.js';
import type { ResolvedImageSpec } from '../contract/spec.js';
import { computeImageIdentity } from '../hash/identity.js';
import { contextSyncEntries } from './entries.js';
import { createContextStream } from './tar.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'imagespec-entries-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

async function put(path: string, content: string | Buffer = '', mode = 0o644) {
  await mkdir(dirname(join(root, path)), { recursive: true });
  await writeFile(join(root, path), content);
  await chmod(join(root, path), mode);
}

async function projectSpec(): Promise<ResolvedImageSpec> {
  await put('proj/requirements.txt', 'numpy==2.0.0\n', 0o755);
  await put('proj/src/main.py', 'print(1)\n', 0o600);
  await put('proj/src/run.sh', '#!/bin/sh\n', 0o700);
  await put('proj/src/.dockerignore', '*.log\n');
  await put('proj/src/debug.log', 'noise');
  await put('proj/src/big.bin', Buffer.alloc(700 * 1024, 7));
  await mkdir(join(root, 'proj/src/empty'));
  await symlink('main.py', join(root, 'proj/src/link.py'));
  await put('proj/conf/app.toml', 'a = 1\n');
  await put('proj/single.txt', 'one\n', 0o755);
  return testSpec({
    origin: { dir: root },
    requirements: { path: join(root, 'proj/requirements.txt'), kind: 'requirements.txt' },
    copy: [
      { src: join(root, 'proj/conf'), dest: '/etc/app' },
      { src: join(root, 'proj/single.txt'), dest: '/opt/single.txt' },
    ],
    sourceRoot: join(root, 'proj/src'),
  });
}

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const all: Buffer[] = [];
  for await (const chunk of chunks) all.push(Buffer.from(chunk));
  return Buffer.concat(all);
}

async function syncEntries(spec: ResolvedImageSpec): Promise<ContextSyncEntry[]> {
  const identity = await computeImageIdentity(spec);
  const out: ContextSyncEntry[] = [];
  for await (const entry of contextSyncEntries(spec, { expected: identity.files })) out.push(entry);
  return out;
}

/** The tar's entries without the Dockerfile: name (no trailing slash), type, mode, link, body. */
async function tarEntries(spec: ResolvedImageSpec) {
  const extract = tarStream.extract();
  const result: { path: string; kind: string; mode: number; linkTarget?: string; body: Buffer }[] = [];
  const done = (async () => {
    for await (const entry of extract) {
      const body = await collect(entry as unknown as Readable);
      const h = entry.header;
      if (h.name === 'Dockerfile') continue;
      const kind = h.type === 'directory' ? 'dir' : h.type === 'symlink' ? 'symlink' : 'file';
      result.push({
        path: h.name.replace(/\/$/, ''),
        kind,
        mode: h.mode ?? 0,
        ...(h.linkname && { linkTarget: h.linkname }),
        body,
      });
    }
  })();
  extract.end(await collect(createContextStream(spec, 'FROM scratch\n')));
  await done;
  return result;
}

describe('contextSyncEntries', () => {
  it('lists what the tar holds, in its order, with its modes, links and bytes', async () => {
    const spec = await projectSpec();
    const sync = await syncEntries(spec);
    const tar = await tarEntries(spec);
    expect(
      await Promise.all(
        sync.map(async (e) => ({
          path: e.path,
          kind: e.kind,
          mode: e.mode,
          ...(e.linkTarget !== undefined && { linkTarget: e.linkTarget }),
          body: e.read ? await collect(e.read()) : Buffer.alloc(0),
        })),
      ),
    ).toEqual(tar);
    expect(sync.map((e) => e.path)).toContain('_imagespec/source/empty');
    expect(sync.find((e) => e.path.endsWith('requirements.txt'))?.mode).toBe(0o644);
    expect(sync.find((e) => e.path === '_imagespec/source/big.bin')?.size).toBe(700 * 1024);
  });

  it('gives each file an mtime below one second taken from its digest, so a change of content changes the stat', async () => {
    const spec = await projectSpec();
    const before = await syncEntries(spec);
    const main = before.find((e) => e.path === '_imagespec/source/main.py')!;
    const digest = createHash('sha256').update('print(1)\n').digest('hex');
    expect(main.sha256).toBe(digest);
    expect(main.mtimeNs).toBe(Number.parseInt(digest.slice(0, 8), 16) % 1e9);
    expect(before.filter((e) => e.kind !== 'file').every((e) => e.mtimeNs === 0)).toBe(true);
    await put('proj/src/main.py', 'print(2)\n', 0o600);
    const after = await syncEntries(spec);
    expect(after.find((e) => e.path === main.path)!.mtimeNs).not.toBe(main.mtimeNs);
    expect(after.find((e) => e.path === '_imagespec/source/run.sh')!.mtimeNs).toBe(
      before.find((e) => e.path === '_imagespec/source/run.sh')!.mtimeNs,
    );
  });

  it('a file changed after the tag fails its read with CONTEXT_CHANGED, before its last bytes', async () => {
    const spec = await projectSpec();
    const identity = await computeImageIdentity(spec);
    await put('proj/src/big.bin', Buffer.alloc(700 * 1024, 8));
    let sent = 0;
    const read = async () => {
      for await (const entry of contextSyncEntries(spec, { expected: identity.files })) {
        if (entry.path !== '_imagespec/source/big.bin') continue;
        for await (const chunk of entry.read!()) sent += chunk.length;
      }
    };
    await expect(read()).rejects.toMatchObject({ code: 'CONTEXT_CHANGED' });
    expect(sent).toBeLessThan(700 * 1024);
  });

  it('a small file changed after the tag (read whole) fails with CONTEXT_CHANGED and sends nothing', async () => {
    const spec = await projectSpec();
    const identity = await computeImageIdentity(spec);
    await put('proj/src/main.py', 'print("changed")\n');
    let sent = 0;
    const read = async () => {
      for await (const entry of contextSyncEntries(spec, { expected: identity.files })) {
        if (entry.path !== '_imagespec/source/main.py') continue;
        for await (const chunk of entry.read!()) sent += chunk.length;
      }
    };
    await expect(read()).rejects.toMatchObject({ code: 'CONTEXT_CHANGED' });
    expect(sent).toBe(0);
  });

  it('gives small files readSync, the bytes read() gives, checked the same way; large files only read()', async () => {
    const spec = await projectSpec();
    const sync = await syncEntries(spec);
    const files = sync.filter((e) => e.kind === 'file');
    expect(files.find((e) => e.path === '_imagespec/source/big.bin')?.readSync).toBeUndefined();
    const small = files.filter((e) => e.size <= 256 * 1024);
    expect(small.length).toBeGreaterThan(2);
    for (const entry of small) expect(Buffer.from(entry.readSync!())).toEqual(await collect(entry.read!()));
    const identity = await computeImageIdentity(spec);
    await put('proj/src/main.py', 'print("changed")\n');
    const read = async () => {
      for await (const entry of contextSyncEntries(spec, { expected: identity.files })) {
        if (entry.path === '_imagespec/source/main.py') entry.readSync!();
      }
    };
    await expect(read()).rejects.toMatchObject({ code: 'CONTEXT_CHANGED' });
  });

  it('a file added after the tag fails the listing with CONTEXT_CHANGED', async () => {
    const spec = await projectSpec();
    const identity = await computeImageIdentity(spec);
    await put('proj/src/new.py', 'x\n');
    const list = async () => {
      for await (const _ of contextSyncEntries(spec, { expected: identity.files })) {
        // listing is enough
      }
    };
    await expect(list()).rejects.toMatchObject({ code: 'CONTEXT_CHANGED' });
    expect(await readFile(join(root, 'proj/src/new.py'), 'utf8')).toBe('x\n');
  });
});
