import { describe, expect, it } from 'vitest';
import type { Exec } from './credential-helper.js';
import { createCredentialStore } from './credentials.js';
import { type DockerConfig, parseDockerConfig } from './docker-config.js';

const b64 = (text: string) => Buffer.from(text).toString('base64');

/** An exec that must not be reached: these tests are about the config alone. */
const noExec: Exec = async (program) => {
  throw new Error(`unexpected run of ${program}`);
};

describe('createCredentialStore with auths', () => {
  const config = parseDockerConfig(
    JSON.stringify({
      auths: {
        'https://index.docker.io/v1/': { auth: b64('hub-user:hub:pass') },
        'localhost:5000': { username: 'plain', password: 'secret' },
        'ghcr.example.test': { identitytoken: 'refresh-me' },
        'empty.example.test': {},
        'broken.example.test': { auth: b64('no-colon') },
      },
    }),
  );
  const store = createCredentialStore({ dockerConfig: config, exec: noExec });

  it('decodes base64 auth (the password may hold colons), plain fields and identity tokens', async () => {
    expect(await store.credentials('docker.io')).toEqual({ username: 'hub-user', password: 'hub:pass' });
    expect(await store.credentials('index.docker.io')).toEqual({ username: 'hub-user', password: 'hub:pass' });
    expect(await store.credentials('localhost:5000')).toEqual({ username: 'plain', password: 'secret' });
    expect(await store.credentials('ghcr.example.test')).toEqual({ identityToken: 'refresh-me' });
  });

  it('is anonymous for unknown hosts and empty entries', async () => {
    expect(await store.credentials('other.example.test')).toBeUndefined();
    expect(await store.credentials('empty.example.test')).toBeUndefined();
  });

  it('fails naming the host for an auth that is not user:password', async () => {
    await expect(store.credentials('broken.example.test')).rejects.toMatchObject({
      code: 'CREDENTIALS_FAILED',
      message: 'The auths entry for broken.example.test in the Docker config is not base64 of "username:password".',
    });
  });
});

describe('createCredentialStore reading lazily', () => {
  it('reads the Docker config on the first lookup, once', async () => {
    let reads = 0;
    const store = createCredentialStore({
      dockerConfig: async (): Promise<DockerConfig> => {
        reads++;
        return { auths: { 'localhost:5000': { username: 'u', password: 'p' } }, credHelpers: {} };
      },
      exec: noExec,
    });
    expect(reads).toBe(0);
    await store.credentials('localhost:5000');
    await store.credentials('127.0.0.1:5000');
    expect(reads).toBe(1);
  });
});

describe('createCredentialStore with helpers that misbehave', () => {
  const config: DockerConfig = { auths: {}, credHelpers: { 'slow.example.test': 'slow' }, credsStore: 'chatty' };

  it('reports a helper that hangs, by name, instead of waiting forever', async () => {
    const exec: Exec = async () => ({ exitCode: null, stdout: '', stderr: '', timedOut: true });
    const store = createCredentialStore({ dockerConfig: config, exec, helperTimeoutMs: 2000 });
    await expect(store.credentials('slow.example.test')).rejects.toMatchObject({
      code: 'CREDENTIALS_FAILED',
      message:
        'The credential helper docker-credential-slow failed for slow.example.test: it gave no answer within 2 s.',
    });
  });

  it('reports output that is not JSON', async () => {
    const exec: Exec = async () => ({ exitCode: 0, stdout: 'Password: ', stderr: '' });
    const store = createCredentialStore({ dockerConfig: config, exec });
    await expect(store.credentials('x.example.test')).rejects.toMatchObject({
      code: 'CREDENTIALS_FAILED',
      message: 'The credential helper docker-credential-chatty failed for x.example.test: its output is not JSON.',
    });
  });

  it('tries again after a failure instead of caching it', async () => {
    let runs = 0;
    const exec: Exec = async () => {
      runs++;
      return runs === 1
        ? { exitCode: 1, stdout: '', stderr: 'keychain locked' }
        : { exitCode: 0, stdout: '{"Username":"u","Secret":"s"}', stderr: '' };
    };
    const store = createCredentialStore({ dockerConfig: config, exec });
    await expect(store.credentials('x.example.test')).rejects.toThrow('exit code 1: keychain locked');
    expect(await store.credentials('x.example.test')).toEqual({ username: 'u', password: 's' });
    expect(await store.credentials('x.example.test')).toEqual({ username: 'u', password: 's' });
    expect(runs).toBe(2);
  });
});
