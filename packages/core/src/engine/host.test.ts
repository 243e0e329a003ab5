import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBuilderHost } from './host.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'imagespec-host-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('createBuilderHost', () => {
  it('namespaces each builder’s log lines', () => {
    const lines: string[] = [];
    const host = createBuilderHost({
      logger: {
        debug: (m, ...a) => lines.push(`debug ${m} ${a.join(',')}`),
        info: (m) => lines.push(`info ${m}`),
        warn: (m) => lines.push(`warn ${m}`),
      },
      registries: { credentials: async () => undefined, insecure: () => false, mirror: (r) => r },
      cwd: root,
      env: { A: '1' },
    });
    const docker = host.forBuilder('docker');
    docker.logger.debug('pulling', 'x');
    docker.logger.warn('slow');
    expect(lines).toEqual(['debug imagespec:builder:docker pulling x', 'warn imagespec:builder:docker slow']);
    expect(docker.cwd).toBe(root);
    expect(docker.env).toEqual({ A: '1' });
  });

  it('removes temp dirs on their dispose, and every one left at the end of the run', async () => {
    const host = createBuilderHost({
      logger: { debug: () => {}, info: () => {}, warn: () => {} },
      registries: { credentials: async () => undefined, insecure: () => false, mirror: (r) => r },
      cwd: root,
      env: {},
      tempRoot: root,
    });
    const kaniko = host.forBuilder('kaniko');
    const first = await kaniko.tempDir();
    const second = await kaniko.tempDir('context/../x');
    await writeFile(join(second.path, 'file'), 'data');
    expect(first.path.startsWith(join(root, 'imagespec-kaniko-'))).toBe(true);
    expect(second.path.startsWith(join(root, 'imagespec-context_.._x-'))).toBe(true);
    await first.dispose();
    expect(existsSync(first.path)).toBe(false);
    expect(existsSync(second.path)).toBe(true);
    await host.dispose();
    expect(existsSync(second.path)).toBe(false);
    await host.dispose();
  });
});
