import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT, runBin, tempProject } from './run-bin.js';

const projects: { dispose(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(projects.splice(0).map((p) => p.dispose()));
});

/**
 * The "third parties write their own builder" story end to end: a builder package is made
 * in its own folder, packed with `npm pack`, installed from the tarball into a separate
 * project together with a packed @imagespec/core, named in that project's config, and used
 * by the imagespec binary to build.
 */
describe('a third-party builder package', () => {
  it('packs, installs from the tarball, loads by package name and builds', async () => {
    const work = await tempProject({});
    projects.push(work);
    const pkgDir = join(work.dir, 'builder');
    mkdirSync(pkgDir);
    writeFileSync(
      join(pkgDir, 'package.json'),
      JSON.stringify({
        name: 'imagespec-builder-echo',
        version: '1.2.3',
        type: 'module',
        exports: './index.js',
        peerDependencies: { '@imagespec/core': '*' },
      }),
    );
    writeFileSync(
      join(pkgDir, 'index.js'),
      `import { defineBuilder } from '@imagespec/core';
export default defineBuilder({
  apiVersion: 1,
  name: 'echo',
  priority: 5,
  create: () => ({
    available: () => ({ ok: true }),
    supports: () => ({ ok: true }),
    async build(request) {
      request.events.emit({ type: 'log', stream: 'stdout', line: 'echo builder got ' + request.image });
      return { image: request.image, pushed: false };
    },
  }),
});
`,
    );
    const npm = (args: string[], cwd: string) =>
      execFileSync('npm', args, {
        cwd,
        encoding: 'utf8',
        env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false' },
      }).trim();
    const builderTgz = join(work.dir, npm(['pack', '--pack-destination', work.dir], pkgDir).split('\n').at(-1) ?? '');
    const coreTgz = join(
      work.dir,
      npm(['pack', '--pack-destination', work.dir], join(REPO_ROOT, 'packages/core')).split('\n').at(-1) ?? '',
    );

    const projectDir = join(work.dir, 'project');
    mkdirSync(projectDir);
    writeFileSync(
      join(projectDir, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
    );
    // --prefer-offline: core's own dependencies come from the npm cache this repo's install
    // filled. That install, from a lock file, caches tarballs but not always the package
    // metadata a range needs (seen on a fresh machine: ENOTCACHED for @balena/dockerignore
    // under --offline), so npm may ask the package registry for that, and only for that.
    npm(['install', '--prefer-offline', '--no-audit', coreTgz, builderTgz], projectDir);
    writeFileSync(join(projectDir, 'imagespec.config.json'), JSON.stringify({ builders: ['imagespec-builder-echo'] }));
    writeFileSync(join(projectDir, 'imagespec.yaml'), 'name: viaplugin\nbaseImage: busybox:1.36\ncommands: ["true"]\n');

    const listed = await runBin(['builders', '--json'], { cwd: projectDir });
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({ name: 'echo', version: '1.2.3', priority: 5 }),
    ]);

    const built = await runBin(['build', '--progress', 'plain'], { cwd: projectDir });
    expect(built.stderr).toBe('');
    expect(built.code).toBe(0);
    expect(built.stdout).toMatch(/viaplugin \| echo builder got viaplugin:[a-z2-7]{26}/);
  }, 180_000);
});
