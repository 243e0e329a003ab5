import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { testEnv } from '@imagespec/test-env';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT, runBin, tempProject } from './run-bin.js';
import { recordingBuilder } from './test-builders.js';

const env = testEnv();
const DOCKER_BUILDER = join(REPO_ROOT, 'packages/builder-docker/dist/index.js');
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A builder module that leaves `builder-loaded.txt` beside itself the moment it is imported. */
function markerBuilder(): string {
  return `import { writeFileSync as markImported } from 'node:fs';\nmarkImported(new URL('./builder-loaded.txt', import.meta.url), 'imported\\n');\n${recordingBuilder()}`;
}

describe('a build whose image is in the registry', () => {
  it('skips without loading a builder or reaching an engine (DOCKER_HOST points nowhere)', {
    timeout: 300_000,
  }, async () => {
    const marker = `skip-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    const spec = [
      `name: ${marker}`,
      `registry: ${env.registry.host}`,
      `baseImage: ${env.baseImages.busybox}`,
      `commands: ["echo ${marker} > /marker"]`,
    ].join('\n');
    const p = await tempProject({
      'imagespec.yaml': `${spec}\n`,
      'imagespec.config.json': JSON.stringify({
        builders: [[DOCKER_BUILDER, { socketPath: env.dockerSocket, network: 'host' }]],
      }),
    });
    cleanups.push(() => p.dispose());
    cleanups.push(() => {
      const docker = (...args: string[]) =>
        execFileSync('docker', ['-H', `unix://${env.dockerSocket}`, ...args], { encoding: 'utf8' });
      const ids = docker('images', '-q', '--filter', `reference=*/${marker}`);
      for (const id of new Set(ids.split('\n').filter(Boolean))) docker('rmi', '-f', id);
    });

    // Pushed through the real engine and registry.
    const first = await runBin(['build', '--json'], { cwd: p.dir, timeoutMs: 240_000 });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('"type":"pushed"');

    // Now every builder the config names would show it was imported, and the docker one
    // would reach for an engine that does not exist.
    await writeFile(join(p.dir, 'marker-builder.mjs'), markerBuilder());
    await writeFile(
      join(p.dir, 'imagespec.config.json'),
      JSON.stringify({ builders: ['./marker-builder.mjs', DOCKER_BUILDER] }),
    );
    const loaded = join(p.dir, 'builder-loaded.txt');
    const noEngine = { DOCKER_HOST: 'unix:///nonexistent.sock' };

    const skipped = await runBin(['build', '--json'], { cwd: p.dir, env: noEngine });
    expect(skipped.stderr).toBe('');
    expect(skipped.code).toBe(0);
    const events = skipped.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(events.filter((event) => event.type === 'skipped')).toEqual([
      expect.objectContaining({ type: 'skipped', reason: 'exists' }),
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'summary', ok: true });
    expect(events.some((event) => event.type === 'building')).toBe(false);
    expect(existsSync(loaded)).toBe(false);

    // The marker does tell: a command that needs the builders imports them.
    const listed = await runBin(['builders', '--json'], { cwd: p.dir, env: noEngine });
    expect(listed.stderr).toBe('');
    expect(listed.code).toBe(0);
    expect(existsSync(loaded)).toBe(true);
  });
});
