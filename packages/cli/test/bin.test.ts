import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI_BIN, REPO_ROOT } from './run-bin.js';

const CLI_DIR = join(REPO_ROOT, 'packages/cli');
const manifest = JSON.parse(readFileSync(join(CLI_DIR, 'package.json'), 'utf8')) as {
  version: string;
  bin: Record<string, string>;
};

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/**
 * What a clone holds of the CLI: its files tracked by git (untracked or ignored ones, dist/
 * among them, are not cloned), in a workspace of their own. Its dependencies are dropped:
 * the bundle carries them, and npm then links the bin without fetching anything.
 */
function cloneCliWorkspace(): string {
  const root = mkdtempSync(join(tmpdir(), 'imagespec-clone-'));
  temps.push(root);
  const tracked = execFileSync('git', ['ls-files', '-z', 'packages/cli'], { cwd: REPO_ROOT, encoding: 'utf8' })
    .split('\0')
    .filter(Boolean);
  for (const file of tracked) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    cpSync(join(REPO_ROOT, file), join(root, file));
  }
  const cli = JSON.parse(readFileSync(join(root, 'packages/cli/package.json'), 'utf8'));
  delete cli.dependencies;
  delete cli.devDependencies;
  writeFileSync(join(root, 'packages/cli/package.json'), JSON.stringify(cli));
  writeFileSync(join(root, 'package.json'), JSON.stringify({ private: true, workspaces: ['packages/cli'] }));
  return root;
}

function npm(args: string[], cwd: string) {
  return spawnSync('npm', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
}

describe('the imagespec bin', () => {
  it('is a committed file, so npm links it before the build', () => {
    expect(manifest.bin.imagespec).toBe('./bin/imagespec.js');
    expect(join(CLI_DIR, manifest.bin.imagespec)).toBe(CLI_BIN);
    const tracked = spawnSync('git', ['ls-files', '--error-unmatch', 'bin/imagespec.js'], { cwd: CLI_DIR });
    expect(tracked.status).toBe(0);
    expect(readFileSync(CLI_BIN, 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/);
  });

  it('in a fresh clone: npm links it at install; before the build it says to build, after it runs', () => {
    const root = cloneCliWorkspace();
    const install = npm(['install', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], root);
    expect(install.status, install.stderr).toBe(0);

    const before = npm(['exec', '--offline', '--', 'imagespec', '--version'], root);
    expect(before.status).toBe(1);
    expect(before.stderr).toContain('the CLI is not built');
    expect(before.stderr).toContain('npm run build');

    cpSync(join(CLI_DIR, 'dist'), join(root, 'packages/cli/dist'), { recursive: true });
    const after = npm(['exec', '--offline', '--', 'imagespec', '--version'], root);
    expect(after.stderr).toBe('');
    expect(after.stdout.trim()).toBe(manifest.version);
    expect(after.status).toBe(0);
  });
});
