import type { ImageResult } from '@imagespec/core';
import { describe, expect, it } from 'vitest';
import { renderMetadata } from './metadata.js';

describe('renderMetadata', () => {
  it("carries a split build's base part, so CI sees which image the source layer went on", () => {
    const split = { image: '127.0.0.1:5000/app:base1', hash: 'base1', status: 'skipped' } as const;
    const [entry] = Object.values(
      renderMetadata([
        {
          name: 'app',
          image: '127.0.0.1:5000/app:abc',
          hash: 'abc',
          status: 'pushed',
          builder: 'oci',
          split,
          durationMs: 5,
        },
      ]),
    );
    expect(entry?.split).toEqual(split);
  });

  it("keys by spec name with buildx bake's image.name and containerimage.digest, plus imagespec's fields", () => {
    const digest = `sha256:${'b'.repeat(64)}`;
    const images: ImageResult[] = [
      {
        name: 'app',
        image: '127.0.0.1:5000/team/app:abc',
        hash: 'abc',
        status: 'pushed',
        builder: 'docker',
        digest,
        durationMs: 10,
      },
      { name: 'skip', image: '127.0.0.1:5000/skip:def', hash: 'def', status: 'skipped', durationMs: 1 },
    ];
    expect(renderMetadata(images)).toEqual({
      app: {
        'image.name': '127.0.0.1:5000/team/app:abc',
        'containerimage.digest': digest,
        name: 'app',
        image: '127.0.0.1:5000/team/app:abc',
        tag: 'abc',
        hash: 'abc',
        digest,
        builder: 'docker',
        status: 'pushed',
        durationMs: 10,
      },
      skip: {
        'image.name': '127.0.0.1:5000/skip:def',
        name: 'skip',
        image: '127.0.0.1:5000/skip:def',
        tag: 'def',
        hash: 'def',
        status: 'skipped',
        durationMs: 1,
      },
    });
  });
});
