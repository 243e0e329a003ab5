import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isImagespecError } from '../errors.js';
import {
  checkCommand,
  checkEnvName,
  checkImagePath,
  checkLabelKey,
  checkPath,
  dockerfileQuote,
  jsonArray,
  shellArgument,
  shellQuote,
} from './quote.js';

const field = { spec: 'app', file: '/p/imagespec.yaml', path: 'commands[0]' };

function rejection(fn: () => unknown): { code: string; message: string; details: unknown } {
  try {
    fn();
  } catch (error) {
    if (isImagespecError(error)) return { code: error.code, message: error.message, details: error.details };
    throw error;
  }
  throw new Error('expected a rejection');
}

// Printable text plus the characters shells and Dockerfiles treat specially (no line breaks).
const tricky = fc.string({
  unit: fc.oneof(
    fc.constantFrom(
      "'",
      '"',
      '\\',
      '$',
      '`',
      '#',
      ' ',
      '\t',
      ';',
      '&',
      '|',
      '*',
      '?',
      '!',
      '(',
      ')',
      '{',
      '}',
      '<',
      '>',
      '~',
      '-',
    ),
    fc.string({ minLength: 1, maxLength: 1 }),
    fc.constantFrom('ü', '🐳', '\u00a0'),
  ),
});

describe('shellQuote', () => {
  it('round-trips through a real /bin/sh', () => {
    fc.assert(
      fc.property(
        tricky.filter((value) => !value.includes('<<')),
        (value) => {
          const result = spawnSync('/bin/sh', ['-c', `printf '%s' ${shellQuote(field, value)}`], { encoding: 'utf8' });
          expect(result.stdout).toBe(value);
        },
      ),
      { numRuns: 150 },
    );
  });

  it.each([
    ['a\nb', /contains a newline/],
    ['a\rb', /carriage return/],
    ['a\u0000b', /U\+0000/],
    ['a\u2028b', /U\+2028/],
    ['a<<EOF', /heredoc/],
  ])('rejects %j', (value, message) => {
    const error = rejection(() => shellQuote(field, value));
    expect(error.code).toBe('SPEC_INVALID');
    expect(error.message).toMatch(message);
    expect(error.message).toContain('spec "app" (/p/imagespec.yaml): commands[0]');
    expect(error.details).toMatchObject({ field: 'commands[0]', value });
  });

  it('keeps option-looking arguments out of positional places', () => {
    expect(rejection(() => shellArgument(field, '--index-url=http://evil')).message).toMatch(/read it as an option/);
    expect(rejection(() => shellArgument(field, '')).message).toMatch(/is empty/);
    expect(shellArgument(field, 'numpy>=1')).toBe("'numpy>=1'");
  });
});

describe('dockerfileQuote', () => {
  it.each([
    ['plain', '"plain"'],
    ['$HOME', '"\\$HOME"'],
    ['say "hi"', '"say \\"hi\\""'],
    ['C:\\dir\\', '"C:\\\\dir\\\\"'],
    ["it's # fine", '"it\'s # fine"'],
  ])('%j -> %s', (value, quoted) => {
    expect(dockerfileQuote(field, value)).toBe(quoted);
  });

  it('rejects newlines with a hint', () => {
    expect(rejection(() => dockerfileQuote(field, 'a\nb')).message).toMatch(/newline/);
  });
});

describe('jsonArray', () => {
  it('parses back to the same strings and stays on one line', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 24 }), { maxLength: 6 }), (values) => {
        const text = jsonArray(values);
        expect(JSON.parse(text)).toEqual(values);
        expect(text).not.toMatch(/[\n\r\u0085\u2028\u2029]/u);
      }),
    );
  });
});

describe('checkCommand', () => {
  it.each([
    ['echo a\nRUN evil', /newline/],
    ['echo a \\', /ends with a backslash/],
    ['echo a \\  ', /ends with a backslash/],
    ['cat <<EOF', /heredoc/],
    ['echo $((1<<2))', /heredoc/],
    ['--mount=type=bind,source=/,target=/host sh', /RUN flag/],
    ['  -x', /RUN flag/],
    ['["/bin/evil"]', /JSON array/],
    ['   ', /is empty/],
  ])('rejects %j', (command, message) => {
    const error = rejection(() => checkCommand(field, command));
    expect(error.code).toBe('SPEC_INVALID');
    expect(error.message).toMatch(message);
  });

  it.each([
    'echo "hello $HOME" # comment',
    '[ -d /x ] || mkdir /x',
    "printf '%s\\n' a\\\\b",
    'FROM scratch',
    'a && b || c; d | e > f 2>&1',
  ])('accepts %j', (command) => {
    expect(checkCommand(field, command)).toBe(command);
  });
});

describe('paths and names', () => {
  it.each([
    ['/a/$HOME', /"\$"/],
    ['/a/"b"', /"\\""/],
    ["/a/'b'", /"'"/],
    ['/a\\b', /"\\\\"/],
    ['/a/<<x', /"<<"/],
    ['/a b', /whitespace/],
    ['relative', /not an absolute path/],
    ['', /is empty/],
  ])('checkImagePath rejects %j', (path, message) => {
    expect(rejection(() => checkImagePath(field, path)).message).toMatch(message);
  });

  it('allows spaces where JSON form carries them, and rejects globs in sources', () => {
    expect(checkImagePath(field, '/a b/c', { spaces: true })).toBe('/a b/c');
    expect(rejection(() => checkPath(field, 'ctx/a*', { source: true })).message).toMatch(/glob/);
    expect(checkPath(field, 'ctx/ünï-🐳.txt', { source: true })).toBe('ctx/ünï-🐳.txt');
  });

  it('checks env names and label keys', () => {
    expect(checkEnvName(field, '_A1')).toBe('_A1');
    for (const bad of ['1A', 'A-B', 'A=B', 'A B', '$A', '']) {
      expect(rejection(() => checkEnvName(field, bad)).code).toBe('SPEC_INVALID');
    }
    expect(checkLabelKey(field, 'org.opencontainers.image.source')).toBe('org.opencontainers.image.source');
    for (const bad of ['a b', 'a=b', '"a"', '$a', '.a', '']) {
      expect(rejection(() => checkLabelKey(field, bad)).code).toBe('SPEC_INVALID');
    }
  });
});
