import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isImagespecError } from '../errors.js';
import { canonicalJson } from './canonical-json.js';
import { base32, HASH_LENGTH, hashOf, imageName, renderTag } from './hash.js';
import type { HashInput } from './hash-input.js';

describe('base32', () => {
  it('matches the RFC 4648 test vectors (lowercase, no padding)', () => {
    const vectors: [string, string][] = [
      ['', ''],
      ['f', 'my'],
      ['fo', 'mzxq'],
      ['foo', 'mzxw6'],
      ['foob', 'mzxw6yq'],
      ['fooba', 'mzxw6ytb'],
      ['foobar', 'mzxw6ytboi'],
    ];
    for (const [input, output] of vectors) expect(base32(Buffer.from(input))).toBe(output);
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every level and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}',
    );
  });
  it('sorts by UTF-16 code units, not locale', () => {
    expect(canonicalJson({ b: 0, B: 0, é: 0, a: 0, _: 0 })).toBe('{"B":0,"_":0,"a":0,"b":0,"é":0}');
  });
  it('escapes strings as JSON does and writes -0 as 0', () => {
    expect(canonicalJson(['a"b\n', -0, 1.5, 1e21])).toBe('["a\\"b\\n",0,1.5,1e+21]');
  });
  it.each([
    ['undefined', { a: undefined }],
    ['a function', { f: () => 1 }],
    ['a symbol', [Symbol('x')]],
    ['a bigint', { n: 1n }],
    ['NaN', { n: Number.NaN }],
    ['Infinity', [Number.POSITIVE_INFINITY]],
    ['a class instance', { d: new Date(0) }],
  ])('refuses %s', (_, value) => {
    expect(() => canonicalJson(value)).toThrowError(/Cannot encode/);
  });
  it('refuses cycles but accepts shared references', () => {
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"x":1},"b":{"x":1}}');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrowError(/cycle at \$\.self/);
  });
});

describe('hashOf', () => {
  it('is base32 of sha256 of the canonical JSON, first 26 characters', () => {
    const input = { v: 'imagespec/1', baseImage: 'busybox' } as unknown as HashInput;
    const expected = base32(createHash('sha256').update('{"baseImage":"busybox","v":"imagespec/1"}').digest()).slice(
      0,
      26,
    );
    expect(hashOf(input)).toBe(expected);
    expect(hashOf(input)).toMatch(new RegExp(`^[a-z2-7]{${HASH_LENGTH}}$`));
  });
});

describe('renderTag and imageName', () => {
  const hash = 'abcdefghijklmnopqrstuvwxyz';
  it('replaces every {hash}', () => {
    expect(renderTag('{hash}', hash)).toBe(hash);
    expect(renderTag('v1-{hash}', hash)).toBe(`v1-${hash}`);
    expect(renderTag('{hash}.{hash}', hash)).toBe(`${hash}.${hash}`);
  });
  it('refuses a format that yields no valid tag', () => {
    for (const format of ['latest', '{hash}/x', `${'x'.repeat(120)}{hash}`]) {
      try {
        renderTag(format, hash);
        expect.unreachable();
      } catch (error) {
        expect(isImagespecError(error) && error.code).toBe('SPEC_INVALID');
      }
    }
  });
  it('joins registry, name and tag', () => {
    expect(imageName({ name: 'app' }, 't')).toBe('app:t');
    expect(imageName({ name: 'team/app', registry: 'localhost:5000' }, 't')).toBe('localhost:5000/team/app:t');
    expect(imageName({ name: 'app', registry: 'ghcr.io/acme/' }, 't')).toBe('ghcr.io/acme/app:t');
  });
});
