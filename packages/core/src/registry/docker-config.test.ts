import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dockerConfigPath, normalizeRegistryHost, parseDockerConfig, readDockerConfig } from './docker-config.js';

describe('normalizeRegistryHost', () => {
  it('maps the names Docker configs use to the host the client uses', () => {
    expect(normalizeRegistryHost('https://index.docker.io/v1/')).toBe('docker.io');
    expect(normalizeRegistryHost('index.docker.io')).toBe('docker.io');
    expect(normalizeRegistryHost('registry-1.docker.io')).toBe('docker.io');
    expect(normalizeRegistryHost('http://localhost:5000/v2/')).toBe('localhost:5000');
    expect(normalizeRegistryHost('Registry.Example.test')).toBe('registry.example.test');
    expect(normalizeRegistryHost('127.0.0.1:5001')).toBe('127.0.0.1:5001');
  });
});

describe('parseDockerConfig', () => {
  it('keeps auths, credsStore and credHelpers under normalized hosts and ignores the rest', () => {
    const config = parseDockerConfig(
      JSON.stringify({
        auths: {
          'https://index.docker.io/v1/': { auth: 'dTpw' },
          'localhost:5000': { username: 'u', password: 'p', email: 'x' },
        },
        credsStore: 'desktop',
        credHelpers: { 'https://registry.example.test': 'ecr-login' },
        psFormat: 'table',
      }),
    );
    expect(config).toEqual({
      auths: { 'docker.io': { auth: 'dTpw' }, 'localhost:5000': { username: 'u', password: 'p' } },
      credsStore: 'desktop',
      credHelpers: { 'registry.example.test': 'ecr-login' },
    });
  });

  it('treats an empty credsStore as none', () => {
    expect(parseDockerConfig('{"credsStore":""}')).toEqual({ auths: {}, credHelpers: {} });
  });

  it('names the file and the problem when the config is malformed', () => {
    expect(() => parseDockerConfig('{"auths": []}', '/home/u/.docker/config.json')).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        message: '/home/u/.docker/config.json is not a valid Docker config: auths is not an object.',
      }),
    );
    expect(() => parseDockerConfig('{"auths":{"h":{"auth":1}}}')).toThrow('auths["h"].auth is not a string');
    expect(() => parseDockerConfig('{"credHelpers":{"h":""}}')).toThrow('credHelpers["h"] is not a helper name');
    expect(() => parseDockerConfig('{nope', 'cfg.json')).toThrow(
      /^cfg\.json is not a valid Docker config: its JSON does not parse/,
    );
  });
});

describe('readDockerConfig', () => {
  const dirs: string[] = [];
  const tempDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'imagespec-docker-config-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('reads $DOCKER_CONFIG/config.json before ~/.docker/config.json', async () => {
    const dockerConfig = await tempDir();
    const home = await tempDir();
    await writeFile(join(dockerConfig, 'config.json'), '{"credsStore":"from-env"}');
    expect(dockerConfigPath({ env: { DOCKER_CONFIG: dockerConfig }, home })).toBe(join(dockerConfig, 'config.json'));
    expect(await readDockerConfig({ env: { DOCKER_CONFIG: dockerConfig }, home })).toMatchObject({
      credsStore: 'from-env',
      file: join(dockerConfig, 'config.json'),
    });
    expect(dockerConfigPath({ env: {}, home })).toBe(join(home, '.docker', 'config.json'));
  });

  it('gives an empty config when there is no file', async () => {
    expect(await readDockerConfig({ env: {}, home: await tempDir() })).toEqual({ auths: {}, credHelpers: {} });
  });

  it('fails naming the file when it is malformed', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'config.json'), '{"auths":');
    await expect(readDockerConfig({ env: { DOCKER_CONFIG: dir } })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining(`${join(dir, 'config.json')} is not a valid Docker config`),
    });
  });
});
