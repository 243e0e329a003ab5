import { pipeline } from 'node:stream/promises';
import tarStream from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { testSpec } from '../../test/test-spec.js';
import type { BuildRequest } from '../contract/builder.js';
import { planBuilds } from './plan.js';
import { buildRequest } from './request.js';

async function dockerfileInContext(request: BuildRequest, dockerfile?: string): Promise<string | undefined> {
  const extract = tarStream.extract();
  let found: string | undefined;
  const done = (async () => {
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      if (entry.header.name === 'Dockerfile') found = Buffer.concat(chunks).toString('utf8');
    }
  })();
  await pipeline(request.context({ dialect: 'plain', ...(dockerfile !== undefined && { dockerfile }) }), extract);
  await done;
  return found;
}

describe('buildRequest', () => {
  it("puts the rendered Dockerfile at the context's root, or the one the builder passes", async () => {
    const [planned] = await planBuilds([testSpec({ verify: ['true'] })]);
    const request = buildRequest(planned!, {
      baseImage: 'localhost:5000/busybox:1',
      push: false,
      signal: new AbortController().signal,
      emit: () => {},
    });
    expect(await dockerfileInContext(request)).toBe(request.dockerfile('plain'));
    const extended = `${request.dockerfile('plain')}FROM scratch AS extra\n`;
    expect(await dockerfileInContext(request, extended)).toBe(extended);
  });
});
