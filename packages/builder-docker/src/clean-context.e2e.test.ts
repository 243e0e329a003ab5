import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { computeImageIdentity } from '@imagespec/core/hash';
import { testEnv } from '@imagespec/test-env';
import { describe, expect, it } from 'vitest';
import { docker, makeProject, resolveSpec, runEngine, uniqueName } from '../test/e2e-harness.js';

const env = testEnv();

// Issue 11 item 3 on the real engine: what .gitignore and the built-in list leave out is
// neither sent nor hashed, so it is not in the image and a new cache file keeps the tag.
describe('clean build contexts on the real engine', () => {
  it('leaves .env, node_modules and __pycache__ out of the image, and a new .pyc keeps the tag', {
    timeout: 120_000,
  }, async () => {
    const dir = await makeProject({
      'app/.gitignore': '.env\nnode_modules/\n',
      'app/main.py': 'print("hi")\n',
      'app/.env': 'TOKEN=not-for-the-image\n',
      'app/node_modules/left-pad/index.js': 'module.exports = 1;\n',
      'app/pkg/__init__.py': '',
      'app/pkg/__pycache__/__init__.cpython-312.pyc': 'bytecode',
      'app/.venv/pyvenv.cfg': 'home = /usr/bin\n',
    });
    const spec = await resolveSpec(
      {
        name: uniqueName('clean-context'),
        registry: env.registry.host,
        baseImage: env.baseImages.busybox,
        sourceRoot: 'app',
        workdir: '/app',
      },
      dir,
    );
    const { summary } = await runEngine([spec]);
    const [result] = summary.images;
    expect(result).toMatchObject({ status: 'pushed' });
    const image = result?.image ?? '';
    try {
      const listing = docker('run', '--rm', '--network', 'none', image, 'find', '/app')
        .split('\n')
        .filter(Boolean)
        .sort();
      expect(listing).toEqual(['/app', '/app/.gitignore', '/app/main.py', '/app/pkg', '/app/pkg/__init__.py']);
    } finally {
      docker('rmi', image);
    }

    // A new bytecode file (and a stale one rewritten) changes nothing: same tag, nothing to build.
    await writeFile(join(dir, 'app/pkg/__pycache__/__init__.cpython-312.pyc'), 'other bytecode');
    await writeFile(join(dir, 'app/pkg/new.pyc'), 'bytecode');
    const again = await computeImageIdentity(spec);
    expect(again.image).toBe(image);
    const second = await runEngine([spec]);
    expect(second.summary.images[0]).toMatchObject({ status: 'skipped', image });
  });
});
