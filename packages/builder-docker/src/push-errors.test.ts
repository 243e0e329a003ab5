import { describe, expect, it } from 'vitest';
import { pushError, pushFailureKind } from './push-errors.js';

describe('pushFailureKind', () => {
  it.each([
    ['unauthorized: authentication required', 'auth'],
    ['no basic auth credentials', 'auth'],
    ['denied: requested access to the resource is denied', 'auth'],
    ['Get "https://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused', 'refused'],
    ['received unexpected HTTP status: 500 Internal Server Error', 'server'],
    ['received unexpected HTTP status: 503 Service Unavailable', 'server'],
    ['unknown: unknown error', 'server'],
    ['Put "http://r/v2/x/blobs/uploads/1": write tcp 1->2: write: connection reset by peer', 'reset'],
    ['Patch "http://r/v2/x/blobs/uploads/1": EOF', 'reset'],
    ['net/http: timeout awaiting response headers', 'timeout'],
    ['manifest invalid: manifest invalid', 'other'],
  ] as const)('%s -> %s', (message, kind) => {
    expect(pushFailureKind(message)).toBe(kind);
  });
});

describe('pushError', () => {
  const options = { hasCredentials: false, idleTimeoutMs: 120_000 };
  it('a hint per kind: credentials only for auth', () => {
    const of = (kind: Parameters<typeof pushError>[2]['kind'], attempts = 1, hasCredentials = false) =>
      pushError('r:5000/a:t', 'r:5000', { error: 'x', kind, attempts }, { ...options, hasCredentials });
    expect(of('auth').code).toBe('REGISTRY_AUTH');
    expect(of('auth').hint).toMatch(/^No credentials for r:5000 were found; log in/);
    expect(of('auth', 1, true).hint).toMatch(/refused the credentials/);
    expect(of('server', 4)).toMatchObject({ code: 'REGISTRY_ERROR', message: expect.stringContaining('(4 attempts)') });
    expect(of('server', 4).hint).toMatch(/server error.*on each of 4 attempts/);
    expect(of('timeout')).toMatchObject({
      code: 'TIMEOUT',
      hint: expect.stringMatching(/stopped answering.*120000 ms/),
    });
    expect(of('refused')).toMatchObject({
      code: 'REGISTRY_UNREACHABLE',
      hint: expect.stringMatching(/registry is down/),
    });
    expect(of('reset', 4).hint).toMatch(/cut on each of 4 attempts/);
    for (const kind of ['server', 'timeout', 'refused', 'reset', 'other'] as const) {
      expect(of(kind).hint).not.toMatch(/log in/);
    }
  });
});
