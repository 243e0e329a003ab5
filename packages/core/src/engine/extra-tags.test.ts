import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageSpecInput } from '../contract/spec.js';
import { normalizeSpec } from '../spec/normalize.js';
import { renderExtraTags } from './extra-tags.js';
import { planBuilds } from './plan.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'imagespec-extra-tags-unit-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const plan = (input: ImageSpecInput) => planBuilds([normalizeSpec(input, { dir, file: join(dir, 'imagespec.yaml') })]);
const sha = 'c0ffee'.padEnd(40, '0');

describe('renderExtraTags', () => {
  it('renders each tag once, leaves out the content tag, and reads the commit only when asked', async () => {
    const reads: string[] = [];
    const readCommit = async (at: string) => {
      reads.push(at);
      return sha;
    };
    const planned = await plan({ name: 'app', registry: '127.0.0.1:5000', tags: ['latest', '{hash}', 'latest'] });
    const image = planned[0]?.identity.image ?? '';
    expect((await renderExtraTags(planned, readCommit)).get(image)).toEqual(['latest']);
    expect(reads).toEqual([]);
    const withGit = await plan({ name: 'app', registry: '127.0.0.1:5000', tags: ['git-{gitShortSha}', '{gitSha}'] });
    const rendered = await renderExtraTags(withGit, readCommit);
    expect(rendered.get(withGit[0]?.identity.image ?? '')).toEqual(['git-c0ffee0', sha]);
    expect(reads).toEqual([dir]);
  });

  it('refuses tags on a spec without a registry, naming the file and the fix', async () => {
    const planned = await plan({ name: 'app', tags: ['latest'] });
    await expect(renderExtraTags(planned)).rejects.toMatchObject({
      code: 'SPEC_INVALID',
      message: expect.stringContaining(
        `Image spec \`app\` in ${join(dir, 'imagespec.yaml')} has \`tags\` but no registry`,
      ),
      hint: expect.stringContaining('Set `registry`'),
    });
  });

  it('refuses a git placeholder outside a git repository', async () => {
    const planned = await plan({ name: 'app', registry: '127.0.0.1:5000', tags: ['git-{gitSha}'] });
    await expect(renderExtraTags(planned)).rejects.toMatchObject({
      code: 'SPEC_INVALID',
      message: expect.stringContaining(`the commit of ${dir} could not be read with \`git rev-parse HEAD\``),
    });
  });
});
