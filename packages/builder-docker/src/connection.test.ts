import { describe, expect, it } from 'vitest';
import { describeConnection, resolveConnection } from './connection.js';
import { dockerBuilderOptionsSchema } from './options.js';

const none = {};

describe('resolveConnection', () => {
  it('uses the default socket when nothing is set', () => {
    expect(resolveConnection(none, {}, '/cfg')).toEqual({ kind: 'socket', socketPath: '/var/run/docker.sock' });
  });

  it('takes DOCKER_HOST (unix and tcp, with TLS from DOCKER_TLS_VERIFY/DOCKER_CERT_PATH)', () => {
    expect(resolveConnection(none, { DOCKER_HOST: 'unix:///run/user/1000/docker.sock' }, '/cfg')).toEqual({
      kind: 'socket',
      socketPath: '/run/user/1000/docker.sock',
    });
    expect(resolveConnection(none, { DOCKER_HOST: 'tcp://10.0.0.5:2375' }, '/cfg')).toEqual({
      kind: 'tcp',
      protocol: 'http',
      host: '10.0.0.5',
      port: 2375,
    });
    const tls = resolveConnection(
      none,
      { DOCKER_HOST: 'tcp://10.0.0.5', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs' },
      '/cfg',
    );
    expect(tls).toEqual({
      kind: 'tcp',
      protocol: 'https',
      host: '10.0.0.5',
      port: 2376,
      tls: { ca: '/certs/ca.pem', cert: '/certs/cert.pem', key: '/certs/key.pem' },
    });
    expect(describeConnection(tls)).toBe('https://10.0.0.5:2376');
  });

  it('lets options win over DOCKER_HOST, resolving files against the config folder', () => {
    const env = { DOCKER_HOST: 'tcp://10.0.0.5:2375' };
    expect(resolveConnection({ socketPath: 'run/docker.sock' }, env, '/cfg')).toEqual({
      kind: 'socket',
      socketPath: '/cfg/run/docker.sock',
    });
    expect(resolveConnection({ host: 'engine', tls: { ca: 'ca.pem' } }, env, '/cfg')).toEqual({
      kind: 'tcp',
      protocol: 'https',
      host: 'engine',
      port: 2376,
      tls: { ca: '/cfg/ca.pem' },
    });
  });

  it('refuses a DOCKER_HOST scheme it cannot speak', () => {
    expect(() => resolveConnection(none, { DOCKER_HOST: 'ssh://me@box' }, '/cfg')).toThrow(
      /ssh:\/\/me@box is not supported/,
    );
  });
});

describe('dockerBuilderOptionsSchema', () => {
  it('fills defaults', () => {
    expect(dockerBuilderOptionsSchema.parse({})).toEqual({
      buildkit: 'auto',
      network: 'default',
      buildArgs: {},
      labels: {},
      pull: false,
      contextTransport: 'auto',
      pushIdleTimeoutMs: 120_000,
      pushRetries: 3,
    });
  });

  it('rejects unknown keys and both socketPath and host', () => {
    expect(dockerBuilderOptionsSchema.safeParse({ netwrok: 'host' }).success).toBe(false);
    const both = dockerBuilderOptionsSchema.safeParse({ socketPath: '/s', host: 'h' });
    expect(both.success).toBe(false);
    expect(both.error?.issues[0]?.path).toEqual(['host']);
    expect(dockerBuilderOptionsSchema.safeParse({ buildkit: 'yes' }).success).toBe(false);
  });
});
