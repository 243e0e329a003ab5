import { describe, expect, it } from 'vitest';
import { engineAuthHeader, resolveEngineAddress } from './engine-address.js';

describe('resolveEngineAddress', () => {
  it('takes the option, then DOCKER_HOST, then the default socket', () => {
    expect(resolveEngineAddress('/run/x.sock', { DOCKER_HOST: 'unix:///other.sock' })).toEqual({
      socketPath: '/run/x.sock',
    });
    expect(resolveEngineAddress(undefined, { DOCKER_HOST: 'unix:///other.sock' })).toEqual({
      socketPath: '/other.sock',
    });
    expect(resolveEngineAddress(undefined, { DOCKER_HOST: 'tcp://127.0.0.1:2375' })).toEqual({
      host: '127.0.0.1',
      port: 2375,
    });
    expect(resolveEngineAddress(undefined, {})).toEqual({ socketPath: '/var/run/docker.sock' });
  });

  it('says why there is none: engine false, a TLS or unknown DOCKER_HOST', () => {
    expect(resolveEngineAddress(false, {})).toEqual({ none: 'the oci builder has engine: false' });
    expect(resolveEngineAddress(undefined, { DOCKER_HOST: 'tcp://10.0.0.5:2376', DOCKER_TLS_VERIFY: '1' })).toEqual({
      none: 'DOCKER_HOST=tcp://10.0.0.5:2376 is not an engine the oci builder can reach (unix://, or tcp:// without TLS)',
    });
    expect(resolveEngineAddress(undefined, { DOCKER_HOST: 'ssh://box' })).toMatchObject({ none: expect.any(String) });
  });
});

describe('engineAuthHeader', () => {
  it("encodes as Go's base64.URLEncoding, padding kept (the engine rejects unpadded)", () => {
    const header = engineAuthHeader('127.0.0.1:5001', { username: 'u', password: 'p?>x' });
    expect(header).toBe(
      Buffer.from('{"username":"u","password":"p?>x","serveraddress":"127.0.0.1:5001"}')
        .toString('base64')
        .replaceAll('+', '-')
        .replaceAll('/', '_'),
    );
    expect(header?.endsWith('=')).toBe(true);
    expect(header).not.toMatch(/[+/]/);
    expect(engineAuthHeader('h', undefined)).toBeUndefined();
    expect(JSON.parse(Buffer.from(engineAuthHeader('h', { identityToken: 't' })!, 'base64url').toString())).toEqual({
      identitytoken: 't',
      serveraddress: 'h',
    });
  });
});
