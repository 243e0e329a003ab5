import { describe, expect, it } from 'vitest';
import { describeFetchFailure, describeRegistryAnswer, parseRegistryErrors } from './registry-answer.js';

describe('describeRegistryAnswer', () => {
  it("quotes the registry's errors[] with their details", () => {
    const body = JSON.stringify({
      errors: [
        { code: 'DENIED', message: 'requested access to the resource is denied', detail: null },
        { code: 'NAME_UNKNOWN', message: 'repository name not known to registry', detail: { name: 'a/b' } },
      ],
    });
    expect(describeRegistryAnswer(403, 'Forbidden', body)).toMatchInlineSnapshot(
      `"HTTP 403 Forbidden: DENIED: requested access to the resource is denied; NAME_UNKNOWN: repository name not known to registry ({"name":"a/b"})"`,
    );
  });

  it('falls back to the start of the body, then to the status line', () => {
    expect(describeRegistryAnswer(502, 'Bad Gateway', '<html>\n  <h1>502</h1>\n</html>')).toBe(
      'HTTP 502 Bad Gateway: <html> <h1>502</h1> </html>',
    );
    expect(describeRegistryAnswer(500, '', '')).toBe('HTTP 500');
    expect(describeRegistryAnswer(500, 'x', 'y'.repeat(400))).toHaveLength('HTTP 500 x: '.length + 303);
  });

  it('does not take any JSON for an error body', () => {
    expect(parseRegistryErrors('{"message":"no"}')).toBeUndefined();
    expect(parseRegistryErrors('null')).toBeUndefined();
    expect(parseRegistryErrors('{"errors":[{"message":"m"}]}')).toEqual([{ code: 'UNKNOWN', message: 'm' }]);
  });
});

describe('describeFetchFailure', () => {
  it("digs out the system's words and marks TLS failures", () => {
    const tls = new TypeError('fetch failed', {
      cause: Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }),
    });
    expect(describeFetchFailure(tls)).toEqual({
      reason: 'self-signed certificate',
      code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
      tls: true,
    });
    const refused = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
    });
    expect(describeFetchFailure(refused)).toEqual({
      reason: 'connect ECONNREFUSED 127.0.0.1:1',
      code: 'ECONNREFUSED',
      tls: false,
    });
  });
});
