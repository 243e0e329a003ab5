import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseBuildMetadata, readBuildMetadata } from './metadata.js';

const FIXTURES = fileURLToPath(new URL('../test/fixtures/', import.meta.url));

describe('buildctl --metadata-file', () => {
  it('reads the digest, image name and exported cache from a recorded build', async () => {
    expect(await readBuildMetadata(`${FIXTURES}metadata-file.json`)).toEqual({
      digest: 'sha256:bf106cd76215461db235de5778451af44e70a2199bc3802d63a6abb604e997ba',
      imageName: 'localhost:5000/fx/app:v1',
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      cacheDigest: 'sha256:580f33531dd625d5bf90bf6a1653be07a451664719fda243f75a007d122ec2c8',
    });
  });

  it('has no cache entry when the build only imported cache', async () => {
    const metadata = await readBuildMetadata(`${FIXTURES}metadata-file-cached.json`);
    expect(metadata?.digest).toBe('sha256:bf106cd76215461db235de5778451af44e70a2199bc3802d63a6abb604e997ba');
    expect(metadata?.cacheDigest).toBeUndefined();
  });

  it('falls back to the descriptor digest and ignores malformed values', () => {
    expect(
      parseBuildMetadata(
        JSON.stringify({
          'containerimage.digest': 'not-a-digest',
          'containerimage.descriptor': { digest: `sha256:${'a'.repeat(64)}` },
          'cache.manifest': '{broken',
        }),
      ),
    ).toEqual({ digest: `sha256:${'a'.repeat(64)}` });
    expect(parseBuildMetadata('null')).toEqual({});
  });

  it('is undefined when buildctl wrote no file or an empty one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'imagespec-bk-meta-'));
    try {
      expect(await readBuildMetadata(join(dir, 'missing.json'))).toBeUndefined();
      await writeFile(join(dir, 'empty.json'), '');
      expect(await readBuildMetadata(join(dir, 'empty.json'))).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
