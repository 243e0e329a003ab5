import { describe, expect, it } from 'vitest';
import { isImagespecError } from '../errors.js';
import { familiarImageRef, formatImageRef, normalizeImageRef, parseImageRef } from './image-ref.js';

const SHA = `sha256:${'a'.repeat(64)}`;

describe('parseImageRef', () => {
  // Cases from docker's reference normalization tests (distribution/reference normalize_test.go).
  it.each([
    ['ubuntu', { registry: 'docker.io', repository: 'library/ubuntu', tag: 'latest' }],
    ['ubuntu:22.04', { registry: 'docker.io', repository: 'library/ubuntu', tag: '22.04' }],
    ['docker.io/ubuntu', { registry: 'docker.io', repository: 'library/ubuntu', tag: 'latest' }],
    ['docker.io/library/ubuntu', { registry: 'docker.io', repository: 'library/ubuntu', tag: 'latest' }],
    ['index.docker.io/ubuntu', { registry: 'docker.io', repository: 'library/ubuntu', tag: 'latest' }],
    ['index.docker.io/foo/bar:1', { registry: 'docker.io', repository: 'foo/bar', tag: '1' }],
    ['foo/bar', { registry: 'docker.io', repository: 'foo/bar', tag: 'latest' }],
    ['foo/bar/baz', { registry: 'docker.io', repository: 'foo/bar/baz', tag: 'latest' }],
    ['localhost/x', { registry: 'localhost', repository: 'x', tag: 'latest' }],
    ['localhost:5000/x', { registry: 'localhost:5000', repository: 'x', tag: 'latest' }],
    ['127.0.0.1:5000/x:1', { registry: '127.0.0.1:5000', repository: 'x', tag: '1' }],
    ['[::1]:5000/a/b:v2', { registry: '[::1]:5000', repository: 'a/b', tag: 'v2' }],
    [`ghcr.io/a/b@${SHA}`, { registry: 'ghcr.io', repository: 'a/b', digest: SHA }],
    [`ghcr.io/a/b:1.0@${SHA}`, { registry: 'ghcr.io', repository: 'a/b', tag: '1.0', digest: SHA }],
    [`ubuntu@${SHA}`, { registry: 'docker.io', repository: 'library/ubuntu', digest: SHA }],
    // A colon in the first component makes it a host; `localhost:5000` alone is name:tag.
    ['localhost:5000', { registry: 'docker.io', repository: 'library/localhost', tag: '5000' }],
    // Uppercase in the first component makes it a host (a repository is never uppercase).
    ['Foo/bar', { registry: 'Foo', repository: 'bar', tag: 'latest' }],
    [
      'a.b-c.example/x__y/z-q--r.s_t:V_1.2-x',
      { registry: 'a.b-c.example', repository: 'x__y/z-q--r.s_t', tag: 'V_1.2-x' },
    ],
    [`x:${'t'.repeat(128)}`, { registry: 'docker.io', repository: 'library/x', tag: 't'.repeat(128) }],
    [
      `ghcr.io/x@sha512:${'0'.repeat(128)}`,
      { registry: 'ghcr.io', repository: 'x', digest: `sha512:${'0'.repeat(128)}` },
    ],
  ])('%s', (input, expected) => {
    expect(parseImageRef(input)).toEqual(expected);
  });

  it.each([
    ['', 'reference', /empty/],
    ['Ubuntu', 'repository', /must be lowercase/],
    ['foo/Bar', 'repository', /must be lowercase/],
    ['ghcr.io/Acme/app', 'repository', /must be lowercase/],
    [`x:${'t'.repeat(129)}`, 'tag', /129 characters long; at most 128/],
    ['x:-bad', 'tag', /must start with a letter, digit or "_"/],
    ['x:a+b', 'tag', /tag "a\+b"/],
    ['x:', 'tag', /empty/],
    ['ubuntu@sha256:abc', 'digest', /64 lowercase hexadecimal digits/],
    [`ubuntu@sha256:${'A'.repeat(64)}`, 'digest', /lowercase/],
    [`ubuntu@md5:${'a'.repeat(32)}`, 'digest', /not supported/],
    ['ubuntu@nodigest', 'digest', /algorithm:hex/],
    ['ubuntu@', 'digest', /algorithm:hex/],
    ['-host.example/x', 'registry', /registry host "-host.example"/],
    ['host.example:port/x', 'registry', /registry host/],
    ['ghcr.io/', 'repository', /empty/],
    ['ghcr.io//x', 'repository', /empty path component/],
    ['foo/bar/', 'repository', /empty path component/],
    ['a/-b', 'repository', /path component "-b"/],
    ['a/b.', 'repository', /path component "b."/],
    ['a/b___c', 'repository', /path component "b___c"/],
    ['ubu ntu', 'reference', /whitespace/],
    ['ubuntu\n', 'reference', /whitespace/],
    ['a'.repeat(64).replace(/a/g, 'f'), 'reference', /image ID/],
    [`x/${'a'.repeat(254)}`, 'repository', /256 characters long; at most 255/],
    [`${'a'.repeat(250)}`, 'repository', /normalized name is longer/],
  ])('rejects %j (%s)', (input, part, message) => {
    let error: unknown;
    try {
      parseImageRef(input);
    } catch (caught) {
      error = caught;
    }
    expect(isImagespecError(error)).toBe(true);
    if (!isImagespecError(error)) return;
    expect(error.code).toBe('IMAGE_REF_INVALID');
    expect(error.details).toMatchObject({ reference: input, part });
    expect(error.message).toMatch(message);
    expect(error.message).toContain(JSON.stringify(input));
  });
});

describe('formatting', () => {
  it.each([
    ['ubuntu', 'docker.io/library/ubuntu:latest', 'ubuntu:latest'],
    ['index.docker.io/foo/bar', 'docker.io/foo/bar:latest', 'foo/bar:latest'],
    ['docker.io/library/foo/bar:1', 'docker.io/library/foo/bar:1', 'library/foo/bar:1'],
    ['127.0.0.1:5000/x:1', '127.0.0.1:5000/x:1', '127.0.0.1:5000/x:1'],
    [`ghcr.io/a/b:1@${SHA}`, `ghcr.io/a/b:1@${SHA}`, `ghcr.io/a/b:1@${SHA}`],
    [`ubuntu@${SHA}`, `docker.io/library/ubuntu@${SHA}`, `ubuntu@${SHA}`],
  ])('%s', (input, normalized, familiar) => {
    expect(normalizeImageRef(input)).toBe(normalized);
    expect(formatImageRef(parseImageRef(input))).toBe(normalized);
    expect(familiarImageRef(parseImageRef(input))).toBe(familiar);
    // Normalizing is idempotent, and the familiar form parses back to the same reference.
    expect(normalizeImageRef(normalized)).toBe(normalized);
    expect(normalizeImageRef(familiar)).toBe(normalized);
  });
});
