import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'imagespec-release-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const version = (pkg: string) => JSON.parse(readFileSync(join(work, 'packages', pkg, 'package.json'), 'utf8')).version;

/**
 * The changesets setup promises independent versions where a minor release of core does
 * not force releases of the builders (they peer-depend on a range that keeps it). Checked by
 * running the real `changeset version` on a copy of the workspace's manifests.
 */
describe('release configuration', () => {
  it('a minor release of core leaves the builders alone and patches the CLI', () => {
    cpSync(join(repo, 'package.json'), join(work, 'package.json'));
    // The config only: the repository's pending changesets would release the builders too.
    mkdirSync(join(work, '.changeset'));
    cpSync(join(repo, '.changeset', 'config.json'), join(work, '.changeset', 'config.json'));
    for (const pkg of [...readdirSync(join(repo, 'packages')).map((p) => `packages/${p}`), 'test-env']) {
      mkdirSync(join(work, pkg), { recursive: true });
      cpSync(join(repo, pkg, 'package.json'), join(work, pkg, 'package.json'));
    }
    symlinkSync(join(repo, 'node_modules'), join(work, 'node_modules'));
    writeFileSync(join(work, '.changeset', 'core-minor.md'), '---\n"@imagespec/core": minor\n---\n\nA new feature.\n');
    const before = Object.fromEntries(readdirSync(join(work, 'packages')).map((pkg) => [pkg, version(pkg)]));
    execFileSync(join(repo, 'node_modules', '.bin', 'changeset'), ['version'], { cwd: work, stdio: 'pipe' });
    const [major, minor] = String(before.core).split('.').map(Number);
    expect(version('core')).toBe(`${major}.${(minor ?? 0) + 1}.0`);
    for (const builder of ['builder-docker', 'builder-buildkit', 'builder-kaniko', 'builder-noop']) {
      expect(version(builder), builder).toBe(before[builder]);
    }
    expect(version('cli')).not.toBe(before.cli);
    expect(String(version('cli')).split('.')[0]).toBe(String(before.cli).split('.')[0]);
  }, 60_000);
});
