import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageSpecInput } from '../contract/spec.js';
import { isAbortError, isImagespecError } from '../errors.js';
import { normalizeSpec } from '../spec/normalize.js';
import { renderExplain } from './explain.js';
import type { HashInput } from './hash-input.js';
import { computeImageIdentity } from './identity.js';

let work: string;
const spec = (input: ImageSpecInput) => normalizeSpec(input, { dir: work, file: join(work, 'spec.yaml') });

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'imagespec-identity-'));
  await mkdir(join(work, 'src/pkg'), { recursive: true });
  await writeFile(join(work, 'src/pkg/__init__.py'), '');
  await writeFile(join(work, 'src/main.py'), 'print("hi")\n');
  await writeFile(join(work, 'src/start.sh'), '#!/bin/sh\n');
  await chmod(join(work, 'src/start.sh'), 0o755);
  await chmod(join(work, 'src/main.py'), 0o644);
  await chmod(join(work, 'src/pkg/__init__.py'), 0o644);
  await symlink('main.py', join(work, 'src/current'));
  await writeFile(join(work, 'requirements.txt'), 'numpy==2.1.0\n');
  await writeFile(join(work, 'model.bin'), 'weights\n');
  await chmod(join(work, 'model.bin'), 0o644);
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('computeImageIdentity', () => {
  it('keeps the cache key of a long base chain small (it grew twofold per level)', async () => {
    let input: ImageSpecInput = { name: 'level0', baseImage: 'busybox:1.36' };
    for (let level = 1; level <= 40; level++)
      input = { name: `level${level}`, baseImage: input, env: { L: `${level}` } };
    const cache = new Map<string, Promise<unknown>>();
    const identity = await computeImageIdentity(spec(input), { cache: cache as never });
    expect(identity.image).toMatch(/^level40:/);
    expect(cache.size).toBe(41);
    expect(Math.max(...[...cache.keys()].map((key) => key.length))).toBeLessThan(2_000);
  });

  it('builds on a base spec through its full image name and tag', async () => {
    const identity = await computeImageIdentity(
      spec({
        name: 'app',
        registry: 'localhost:5000',
        baseImage: { name: 'base', registry: 'localhost:5000', aptPackages: ['curl'] },
      }),
    );
    expect(identity.base?.image).toBe(`localhost:5000/base:${identity.base?.hash}`);
    expect(identity.baseImage).toBe(identity.base?.image);
    expect((identity.input as HashInput).baseImage).toBe(identity.base?.image);
    expect(identity.image).toBe(`localhost:5000/app:${identity.tag}`);

    const renamedBase = await computeImageIdentity(
      spec({
        name: 'app',
        registry: 'localhost:5000',
        baseImage: { name: 'base2', registry: 'localhost:5000', aptPackages: ['curl'] },
      }),
    );
    expect(renamedBase.base?.hash).toBe(identity.base?.hash);
    expect(renamedBase.hash).not.toBe(identity.hash);
  });

  it('passes string bases through resolveBase (the lock file hook)', async () => {
    const seen: string[] = [];
    const resolveBase = async (ref: string) => {
      seen.push(ref);
      return `${ref}@sha256:${'e'.repeat(64)}`;
    };
    const plain = await computeImageIdentity(
      spec({ name: 'app', baseImage: { name: 'base', baseImage: 'busybox:1.36' } }),
    );
    const locked = await computeImageIdentity(
      spec({ name: 'app', baseImage: { name: 'base', baseImage: 'busybox:1.36' } }),
      {
        resolveBase,
      },
    );
    expect(seen).toEqual(['busybox:1.36']);
    expect(locked.base?.baseImage).toBe(`docker.io/library/busybox:1.36@sha256:${'e'.repeat(64)}`);
    expect(locked.base?.hash).not.toBe(plain.base?.hash);
    expect(locked.hash).not.toBe(plain.hash);
  });

  it('names the spec and field when a file is missing', async () => {
    for (const [input, field] of [
      [{ name: 'app', requirements: 'missing/requirements.txt' }, 'requirements'],
      [{ name: 'app', copy: ['model.bin', 'missing.bin'] }, 'copy[1]'],
      [{ name: 'app', sourceRoot: 'nowhere' }, 'sourceRoot'],
    ] as const) {
      try {
        await computeImageIdentity(spec(input));
        expect.unreachable();
      } catch (error) {
        expect(isImagespecError(error) && error.code).toBe('FILE_NOT_FOUND');
        expect((error as Error).message).toContain(`${field} of image spec \`app\` (${join(work, 'spec.yaml')}): `);
      }
    }
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await computeImageIdentity(spec({ name: 'app', sourceRoot: 'src' }), {
      signal: controller.signal,
    }).catch((caught: unknown) => caught);
    expect(isAbortError(error)).toBe(true);
  });

  it('skips the source tree when sourceCopyMode is none', async () => {
    const identity = await computeImageIdentity(spec({ name: 'app', sourceRoot: 'src', sourceCopyMode: 'none' }));
    expect(identity.files.source).toBeUndefined();
    expect((identity.input as HashInput).source).toBeUndefined();
  });
});

describe('renderExplain', () => {
  it('shows the hash input, every file record, the hash and the tag', async () => {
    const identity = await computeImageIdentity(
      spec({
        name: 'app',
        registry: 'localhost:5000',
        tagFormat: 'v1-{hash}',
        requirements: 'requirements.txt',
        copy: [{ src: 'model.bin', dest: '/models/model.bin' }],
        sourceRoot: 'src',
        pipIndex: 'http://127.0.0.1:8080/simple/',
        env: { MODE: 'prod' },
      }),
    );
    const text = renderExplain(identity).replaceAll(work, '<work>');
    expect(text).toMatchInlineSnapshot(`
      "image  localhost:5000/app:v1-lmwkopmay2svlw6hfbp2fmmjne
      tag    v1-lmwkopmay2svlw6hfbp2fmmjne
      hash   lmwkopmay2svlw6hfbp2fmmjne  (base32 of sha256 of the canonical JSON of the input below, first 26 characters)
      base   docker.io/library/python:3.12-slim

      hash input (imagespec/1):
        {
          "aptPackages": [],
          "baseImage": "docker.io/library/python:3.12-slim",
          "commands": [],
          "condaChannels": [],
          "condaPackages": [],
          "copy": [
            {
              "dest": "/models/model.bin",
              "digest": "a5537a36dae02ce0ad74a57c33d2f52c7617c19183e5f43cea41014b11c1ca14"
            }
          ],
          "env": {
            "MODE": "prod"
          },
          "labels": {},
          "packages": [],
          "pipExtraArgs": [],
          "pipExtraIndexUrl": [],
          "pipIndex": "http://127.0.0.1:8080/simple/",
          "pipSecretMounts": [],
          "platforms": [],
          "requirements": {
            "kind": "requirements.txt",
            "sha256": "56515f5b3cecdebeac9c82fc3ef670be9e8b49ef02dfbcb98a2886581cd9c6c1"
          },
          "source": {
            "dest": "/root",
            "digest": "d6d06d698a82967c9ee651468e5defdd0f77efe8a679a1bd375066c0811d1011"
          },
          "v": "imagespec/1",
          "verify": []
        }

      files:
        requirements  <work>/requirements.txt  (requirements.txt)  sha256 56515f5b3cecdebeac9c82fc3ef670be9e8b49ef02dfbcb98a2886581cd9c6c1
        copy[0]  <work>/model.bin -> /models/model.bin  digest a5537a36dae02ce0ad74a57c33d2f52c7617c19183e5f43cea41014b11c1ca14  (1 entry)
          file     model.bin  sha256 1b465fa6b6bcbc06a3199e3d2d8aec35d37494a712f888b6d5536684dd89d0f0
        source  <work>/src -> /root  digest d6d06d698a82967c9ee651468e5defdd0f77efe8a679a1bd375066c0811d1011  (5 entries)
          symlink  current          -> main.py
          file     main.py          sha256 0ca9091eb4e31fb1ab24c8c5de92a08e4e5f402919f82ea3ca784f38534f03f3
          dir      pkg
          file     pkg/__init__.py  sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
          exec     start.sh         sha256 a8076d3d28d21e02012b20eaf7dbf75409a6277134439025f282e368e3305abf
      "
    `);
  });
});
