import { describe, expect, it } from 'vitest';
import { parseWwwAuthenticate } from './www-authenticate.js';

describe('parseWwwAuthenticate', () => {
  it('reads a Bearer challenge whose scope holds a comma', () => {
    expect(
      parseWwwAuthenticate(
        'Bearer realm="https://auth.example.test/token",service="registry.example.test",scope="repository:a/b:pull,push"',
      ),
    ).toEqual([
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.example.test/token',
          service: 'registry.example.test',
          scope: 'repository:a/b:pull,push',
        },
      },
    ]);
  });

  it('reads several challenges, unquoted values, escapes and odd spacing', () => {
    expect(
      parseWwwAuthenticate('Basic realm="say \\"hi\\"" , Bearer realm=http://t/token , error=insufficient_scope'),
    ).toEqual([
      { scheme: 'basic', params: { realm: 'say "hi"' } },
      { scheme: 'bearer', params: { realm: 'http://t/token', error: 'insufficient_scope' } },
    ]);
  });

  it('gives nothing for a missing header and a bare scheme for a scheme alone', () => {
    expect(parseWwwAuthenticate(null)).toEqual([]);
    expect(parseWwwAuthenticate('')).toEqual([]);
    expect(parseWwwAuthenticate('Negotiate')).toEqual([{ scheme: 'negotiate', params: {} }]);
  });
});
