import { describe, expect, it } from 'vitest';
import { createRegistryAccess, isLoopbackHost } from './access.js';

describe('createRegistryAccess', () => {
  it('speaks plain HTTP to hosts marked insecure and to loopback hosts the config says nothing against, HTTPS to the rest', () => {
    const access = createRegistryAccess({
      env: {},
      registries: {
        'http://registry.lan:5000/': { insecure: true },
        'secure.lan': { insecure: false },
        'localhost:8443': { ca: '/etc/ssl/private-ca.pem' },
        '127.0.0.1:9443': { insecure: false },
      },
      dockerConfig: { auths: {}, credHelpers: {} },
    });
    expect(access.insecure('registry.lan:5000')).toBe(true);
    expect(access.insecure('registry.lan')).toBe(false);
    expect(access.insecure('secure.lan')).toBe(false);
    expect(access.insecure('localhost:5000')).toBe(true);
    expect(access.insecure('127.0.0.1:5001')).toBe(true);
    expect(access.insecure('localhost:8443')).toBe(false);
    expect(access.insecure('127.0.0.1:9443')).toBe(false);
    expect(access.insecure('docker.io')).toBe(false);
  });

  it('rewrites pull references through the longest matching mirror prefix', () => {
    const access = createRegistryAccess({
      env: {},
      mirrors: {
        'docker.io/': 'registry.internal/dockerhub/',
        'docker.io/library/python': 'registry.internal/python-pinned',
      },
      dockerConfig: { auths: {}, credHelpers: {} },
    });
    expect(access.mirror('ubuntu:22.04')).toBe('registry.internal/dockerhub/library/ubuntu:22.04');
    expect(access.mirror('python:3.12-slim')).toBe('registry.internal/python-pinned:3.12-slim');
    expect(access.mirror('python-extra:1')).toBe('registry.internal/dockerhub/library/python-extra:1');
    expect(access.mirror(`acme/app@sha256:${'a'.repeat(64)}`)).toBe(
      `registry.internal/dockerhub/acme/app@sha256:${'a'.repeat(64)}`,
    );
    expect(access.mirror('ghcr.example.test/acme/app:1')).toBe('ghcr.example.test/acme/app:1');
  });

  it('leaves references as written when no mirror is configured', () => {
    expect(createRegistryAccess({ env: {}, dockerConfig: { auths: {}, credHelpers: {} } }).mirror('ubuntu')).toBe(
      'ubuntu',
    );
  });

  it('does not touch the Docker config until credentials are asked for', async () => {
    // A DOCKER_CONFIG folder that does not exist would read as empty; a file in its place is unreadable.
    const access = createRegistryAccess({ env: { DOCKER_CONFIG: '/proc/self/status' } });
    expect(access.insecure('localhost')).toBe(true);
    await expect(access.credentials('docker.io')).rejects.toMatchObject({ code: 'CREDENTIALS_FAILED' });
  });
});

describe('isLoopbackHost', () => {
  it('knows localhost, 127.0.0.0/8 and ::1, with and without ports', () => {
    for (const host of ['localhost', 'localhost:5000', '127.0.0.1', '127.1.2.3:80', '[::1]:5000', '::1', 'LOCALHOST']) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
    for (const host of [
      '128.0.0.1',
      'localhost.example.test',
      '127.0.0.1.example.test',
      '10.0.0.1:5000',
      'docker.io',
    ]) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
  });

  it('runs the helper a cloud alias names (aws -> docker-credential-ecr-login), a plain name as given', async () => {
    const programs: string[] = [];
    const access = createRegistryAccess({
      env: {},
      registries: {
        '123456789012.dkr.ecr.eu-west-1.amazonaws.com': { credHelper: 'aws' },
        'registry.lan': { credHelper: 'pass' },
      },
      dockerConfig: { auths: {}, credHelpers: {} },
      exec: async (program) => {
        programs.push(program);
        return { exitCode: 0, stdout: JSON.stringify({ Username: 'AWS', Secret: 'token' }), stderr: '' };
      },
    });
    expect(await access.credentials('123456789012.dkr.ecr.eu-west-1.amazonaws.com')).toEqual({
      username: 'AWS',
      password: 'token',
    });
    await access.credentials('registry.lan');
    expect(programs).toEqual(['docker-credential-ecr-login', 'docker-credential-pass']);
  });
});
