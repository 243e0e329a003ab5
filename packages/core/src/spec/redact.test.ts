import { describe, expect, it } from 'vitest';
import { hasUrlCredentials, redactUrlCredentials } from './redact.js';

describe('redactUrlCredentials', () => {
  it.each([
    [
      'pip install --index-url http://user:PASS@127.0.0.1/simple x',
      'pip install --index-url http://user:***@127.0.0.1/simple x',
    ],
    ["'https://TOKEN@127.0.0.1/repo.git'", "'https://***@127.0.0.1/repo.git'"],
    ['a http://u:p@h/ and git+https://x:y@h2/', 'a http://u:***@h/ and git+https://x:***@h2/'],
    ['user@example.org and http://127.0.0.1/a@b', 'user@example.org and http://127.0.0.1/a@b'],
    ['no urls here', 'no urls here'],
  ])('%j', (text, redacted) => {
    expect(redactUrlCredentials(text)).toBe(redacted);
    expect(hasUrlCredentials(text)).toBe(text !== redacted);
  });

  it('takes time linear in the text (a long run of scheme characters used to be quadratic)', () => {
    const text = `${'a.'.repeat(100_000)}@ http://u:p@h/`;
    expect(redactUrlCredentials(text)).toBe(`${'a.'.repeat(100_000)}@ http://u:***@h/`);
  });
});
