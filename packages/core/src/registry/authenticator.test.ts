import { describe, expect, it } from 'vitest';
import type { RegistryAccess } from '../contract/builder.js';
import { createAuthenticator, type Send } from './authenticator.js';

/** The token endpoint is a function here, so the clock can be moved; the wire protocol is tested in token-auth.e2e.test.ts. */
function tokenEndpoint(expiresIn?: number) {
  const issued: string[] = [];
  const send: Send = async (url) => {
    const token = `token-${issued.length + 1}`;
    issued.push(url);
    const body = Buffer.from(JSON.stringify({ token, ...(expiresIn !== undefined && { expires_in: expiresIn }) }));
    return { response: new Response(body, { status: 200 }), body: async () => body };
  };
  return { send, issued };
}

const access: RegistryAccess = { credentials: async () => undefined, insecure: () => false, mirror: (r) => r };
const challenge = new Response(null, {
  status: 401,
  headers: { 'WWW-Authenticate': 'Bearer realm="https://auth.example.test/token",service="svc"' },
});

describe('createAuthenticator', () => {
  it('reuses a token until shortly before it expires, then fetches a new one', async () => {
    let now = 0;
    const { send, issued } = tokenEndpoint(300);
    const auth = createAuthenticator({ access, send, now: () => now });
    expect(await auth.authorization('r.example.test', 'repository:a:pull')).toBeUndefined();
    expect(await auth.challenge('r.example.test', 'repository:a:pull', challenge)).toBe('Bearer token-1');
    now = 280_000;
    expect(await auth.authorization('r.example.test', 'repository:a:pull')).toBe('Bearer token-1');
    now = 291_000;
    expect(await auth.authorization('r.example.test', 'repository:a:pull')).toBe('Bearer token-2');
    expect(issued).toEqual([
      'https://auth.example.test/token?service=svc&scope=repository%3Aa%3Apull',
      'https://auth.example.test/token?service=svc&scope=repository%3Aa%3Apull',
    ]);
  });

  it('answers a challenge with a token fetched meanwhile, but never with the refused one', async () => {
    const { send, issued } = tokenEndpoint(300);
    const auth = createAuthenticator({ access, send, now: () => 0 });
    expect(await auth.challenge('r.example.test', 'repository:a:pull', challenge)).toBe('Bearer token-1');
    expect(await auth.challenge('r.example.test', 'repository:a:pull', challenge, undefined, undefined)).toBe(
      'Bearer token-1',
    );
    expect(await auth.challenge('r.example.test', 'repository:a:pull', challenge, undefined, 'Bearer token-1')).toBe(
      'Bearer token-2',
    );
    expect(await auth.authorization('r.example.test', 'repository:a:pull')).toBe('Bearer token-2');
    expect(issued).toHaveLength(2);
  });

  it('takes 60 s as the lifetime when the token server names none', async () => {
    let now = 0;
    const { send } = tokenEndpoint();
    const auth = createAuthenticator({ access, send, now: () => now });
    await auth.challenge('r.example.test', 'repository:a:pull', challenge);
    now = 49_000;
    expect(await auth.authorization('r.example.test', 'repository:a:pull')).toBe('Bearer token-1');
    now = 51_000;
    expect(await auth.authorization('r.example.test', 'repository:a:pull')).toBe('Bearer token-2');
  });

  it('refuses a 401 whose challenge it cannot answer, quoting the header', async () => {
    const auth = createAuthenticator({ access, send: tokenEndpoint().send });
    const negotiate = new Response(null, { status: 401, headers: { 'WWW-Authenticate': 'Negotiate' } });
    await expect(auth.challenge('r.example.test', 'repository:a:pull', negotiate)).rejects.toMatchObject({
      code: 'REGISTRY_AUTH',
      message:
        'Registry r.example.test answered HTTP 401 without an auth challenge imagespec can answer (WWW-Authenticate: Negotiate).',
    });
  });
});
