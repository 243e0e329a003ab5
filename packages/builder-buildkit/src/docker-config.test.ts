import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RegistryAccess, RegistryCredentials } from '@imagespec/core';
import { describe, expect, it } from 'vitest';
import { collectCredentials, renderDockerConfig, writeDockerConfig } from './docker-config.js';

describe('temporary Docker config for buildctl', () => {
  it('renders basic auth, identity tokens, and Docker Hub under its index URL', () => {
    const config = JSON.parse(
      renderDockerConfig(
        new Map<string, RegistryCredentials>([
          ['127.0.0.1:5001', { username: 'imagespec', password: 'test-password-1' }],
          ['docker.io', { identityToken: 'tok' }],
        ]),
      ),
    );
    expect(config).toEqual({
      auths: {
        '127.0.0.1:5001': { auth: Buffer.from('imagespec:test-password-1').toString('base64') },
        'https://index.docker.io/v1/': { identitytoken: 'tok' },
      },
    });
  });

  it('asks once per host and keeps only hosts with credentials', async () => {
    const asked: string[] = [];
    const registries: RegistryAccess = {
      credentials: async (host) => {
        asked.push(host);
        return host === 'a.example' ? { username: 'u', password: 'p' } : undefined;
      },
      insecure: () => false,
      mirror: (ref) => ref,
    };
    const found = await collectCredentials(registries, ['a.example', 'b.example', 'a.example']);
    expect(asked).toEqual(['a.example', 'b.example']);
    expect([...found.keys()]).toEqual(['a.example']);
  });

  it('writes config.json readable by its owner only', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'imagespec-bk-dc-'));
    try {
      const configDir = await writeDockerConfig(join(dir, 'docker-config'), new Map([['h', { identityToken: 't' }]]));
      expect((await stat(join(configDir, 'config.json'))).mode & 0o777).toBe(0o600);
      expect(JSON.parse(await readFile(join(configDir, 'config.json'), 'utf8')).auths.h).toEqual({
        identitytoken: 't',
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
