import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ImageSpecInput } from '../contract/spec.js';
import { isImagespecError } from '../errors.js';
import { computeImageIdentity } from '../hash/identity.js';
import { normalizeSpec } from '../spec/normalize.js';
import { listContext } from './entries.js';
import { projectRootOf } from './project.js';

// Layout: <work>/outside/id_rsa (what must never be read), <work>/proj/spec.yaml (the project).
let work: string;
let proj: string;
const spec = (input: Omit<ImageSpecInput, 'name'>, dir = proj) =>
  normalizeSpec({ name: 'app', ...input }, { dir, file: join(dir, 'spec.yaml') });

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'imagespec-project-'));
  proj = join(work, 'proj');
  await mkdir(join(work, 'outside'), { recursive: true });
  await writeFile(join(work, 'outside/id_rsa'), 'PRIVATE KEY');
  await writeFile(join(work, 'outside/requirements.txt'), 'numpy==2.1.0\n');
  await mkdir(join(proj, 'src'), { recursive: true });
  await writeFile(join(proj, 'src/main.py'), '');
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

async function refusal(input: Omit<ImageSpecInput, 'name'>): Promise<unknown> {
  return computeImageIdentity(spec(input)).then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('paths that lead out of the project through a symlink', () => {
  it('refuses a copy entry that is a symlink to ../outside, naming the field and the path', async () => {
    await symlink('../outside', join(proj, 'data'));
    const error = await refusal({ copy: ['data'] });
    expect(isImagespecError(error) && error.code).toBe('CONTEXT_ESCAPES');
    expect((error as Error).message).toContain(`copy[0] of image spec \`app\` (${join(proj, 'spec.yaml')})`);
    expect((error as Error).message).toContain(join(proj, 'data'));
    expect((error as Error).message).toContain(join(work, 'outside'));
  });

  it('refuses an absolute link, and a path through a linked folder', async () => {
    await symlink(join(work, 'outside/id_rsa'), join(proj, 'key'));
    await symlink(join(work, 'outside'), join(proj, 'vendor'));
    expect(await refusal({ copy: ['key'] })).toMatchObject({ code: 'CONTEXT_ESCAPES' });
    expect(await refusal({ copy: ['vendor/id_rsa'] })).toMatchObject({ code: 'CONTEXT_ESCAPES' });
    expect(await refusal({ sourceRoot: 'vendor' })).toMatchObject({ code: 'CONTEXT_ESCAPES' });
    expect(await refusal({ requirements: 'vendor/requirements.txt' })).toMatchObject({ code: 'CONTEXT_ESCAPES' });
  });

  it('refuses before reading anything: the build context listing fails the same way', async () => {
    await symlink('../outside', join(proj, 'data'));
    const listing = async () => {
      for await (const _ of listContext(spec({ copy: ['data'] }))) {
        // nothing
      }
    };
    await expect(listing()).rejects.toMatchObject({ code: 'CONTEXT_ESCAPES' });
  });

  it('keeps a symlink inside the tree as a link, wherever it points: nothing outside is read', async () => {
    await symlink('../../outside', join(proj, 'src/keys'));
    await symlink(join(work, 'outside'), join(proj, 'src/abs'));
    const identity = await computeImageIdentity(spec({ sourceRoot: 'src' }));
    expect(identity.files.source?.files).toEqual([
      { path: 'abs', mode: 'symlink', linkTarget: join(work, 'outside') },
      { path: 'keys', mode: 'symlink', linkTarget: '../../outside' },
      expect.objectContaining({ path: 'main.py', mode: 'file' }),
    ]);
  });

  it('follows links that stay in the project, and paths written to lead outside it', async () => {
    await symlink('src', join(proj, 'current'));
    await mkdir(join(work, 'shared'));
    await writeFile(join(work, 'shared/lib.py'), '');
    expect((await computeImageIdentity(spec({ copy: ['current'] }))).files.copy[0]?.files).toHaveLength(1);
    const explicit = await computeImageIdentity(spec({ copy: [{ src: '../shared', dest: '/shared' }] }));
    expect(explicit.files.copy[0]?.files.map((file) => file.path)).toEqual(['lib.py']);
    // A spec in a sub-folder of its project may copy its parent.
    await mkdir(join(proj, 'deploy'));
    const fromSub = normalizeSpec({ name: 'app', sourceRoot: '..' }, { dir: join(proj, 'deploy') });
    expect((await computeImageIdentity(fromSub)).files.source?.src).toBe(proj);
  });

  it('refuses a link in a folder written outside the project that leads elsewhere', async () => {
    await mkdir(join(work, 'shared'));
    await symlink('../outside', join(work, 'shared/link'));
    expect(await refusal({ copy: [{ src: '../shared/link', dest: '/x' }] })).toMatchObject({
      code: 'CONTEXT_ESCAPES',
    });
  });

  it('takes the git repository holding the spec as the project', async () => {
    await mkdir(join(work, 'repo/.git'), { recursive: true });
    await mkdir(join(work, 'repo/libs/shared'), { recursive: true });
    await writeFile(join(work, 'repo/libs/shared/x.py'), '');
    await mkdir(join(work, 'repo/apps/a'), { recursive: true });
    await symlink('../../libs/shared', join(work, 'repo/apps/a/shared'));
    const inRepo = spec({ copy: ['shared'] }, join(work, 'repo/apps/a'));
    expect(projectRootOf(inRepo)).toBe(join(work, 'repo'));
    expect((await computeImageIdentity(inRepo)).files.copy[0]?.files.map((file) => file.path)).toEqual(['x.py']);
  });
});

describe('odd files named by a spec', () => {
  it('refuses a FIFO requirements file and a symlink loop, with the field, without hanging', {
    timeout: 5_000,
  }, async () => {
    execFileSync('mkfifo', [join(proj, 'requirements.txt')]);
    const fifo = await refusal({ requirements: 'requirements.txt' });
    expect(fifo).toMatchObject({ code: 'FILE_NOT_REGULAR' });
    expect((fifo as Error).message).toMatch(/^requirements of image spec `app`.*FIFO/);
    await symlink('loop-b', join(proj, 'loop-a'));
    await symlink('loop-a', join(proj, 'loop-b'));
    expect(await refusal({ copy: ['loop-a'] })).toMatchObject({ code: 'FILE_NOT_REGULAR' });
  });

  it('refuses a device as a copy entry', async () => {
    await symlink('/dev/zero', join(proj, 'zero'));
    // /dev is outside the project: refused before its kind matters.
    expect(await refusal({ copy: ['zero'] })).toMatchObject({ code: 'CONTEXT_ESCAPES' });
    expect(await refusal({ copy: [{ src: '/dev/zero', dest: '/zero' }] })).toMatchObject({ code: 'FILE_NOT_REGULAR' });
  });

  it('refuses a .dockerignore with an unclosed `[`, naming the file and line', async () => {
    await writeFile(join(proj, 'src/.dockerignore'), '*.log\n[\n');
    const error = await refusal({ sourceRoot: 'src' });
    expect(error).toMatchObject({ code: 'IGNORE_FILE_INVALID' });
    expect((error as Error).message).toContain(`${join(proj, 'src/.dockerignore')}:2: \`[\``);
  });
});
