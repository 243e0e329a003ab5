import { describe, expect, it } from 'vitest';
import { runBin, useTempProjects } from './run-bin.js';

const project = useTempProjects();

const SPEC = [
  'name: app',
  'registry: ${REGISTRY:-127.0.0.1:5000/vars}',
  `baseImage: busybox:1.36@sha256:${'a'.repeat(64)}`,
  'env:',
  '  MODE: ${MODE}',
  'commands: ["echo ${MODE} > /mode"]',
].join('\n');

// Issue 13: ${VAR} in spec values and --set, through the built binary.
describe('imagespec variables and --set', () => {
  it('tag: another variable value or another --set value gives another tag', async () => {
    const dir = await project({ 'imagespec.yaml': SPEC });
    const tag = async (env: Record<string, string>, ...flags: string[]) => {
      const r = await runBin(['tag', ...flags], { cwd: dir, env });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      return r.stdout.trim();
    };
    const dev = await tag({ MODE: 'dev' });
    const prod = await tag({ MODE: 'prod' });
    expect(dev).toMatch(/^127\.0\.0\.1:5000\/vars\/app:/);
    expect(prod).not.toBe(dev);
    expect(await tag({ MODE: 'dev' })).toBe(dev);
    const other = await tag({ MODE: 'dev', REGISTRY: 'localhost:5001' });
    expect(other.replace(/^localhost:5001\//, '')).toBe(dev.replace(/^127\.0\.0\.1:5000\/vars\//, ''));
    const set = await tag({ MODE: 'dev' }, '--set', 'env.MODE=prod', '--set', 'registry=localhost:5002');
    expect(set).toBe(prod.replace(/^127\.0\.0\.1:5000\/vars\//, 'localhost:5002/'));
    const extra = await tag({ MODE: 'dev' }, '--set', 'env.EXTRA=1');
    expect(new Set([dev, prod, extra]).size).toBe(3);
  });

  it('an unset variable exits 2 naming it, its field and file:line:col', async () => {
    const dir = await project({ 'imagespec.yaml': SPEC });
    const r = await runBin(['tag'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${dir}/imagespec.yaml:5:3 env.MODE: variable \`MODE\` is not set`);
    expect(r.stderr).toContain('${MODE:-...}');
  });

  it('--set naming no spec field exits 2 naming it', async () => {
    const dir = await project({ 'imagespec.yaml': SPEC });
    const r = await runBin(['tag', '--set', 'regsitry=x'], { cwd: dir, env: { MODE: 'dev' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--set regsitry=x: `regsitry` is no spec field');
  });
});
