import { describe, expect, it } from 'vitest';
import { cleanPath, ExcludeMatcher, followLinks, goMatch, matchPrefix } from './sync-patterns.js';

describe('goMatch (Go filepath.Match)', () => {
  it.each([
    ['*.txt', 'a.txt', true],
    ['*.txt', 'd/a.txt', false],
    ['*', '', true],
    ['a?c', 'abc', true],
    ['a?c', 'a/c', false],
    ['[a-c]x', 'bx', true],
    ['[^a-c]x', 'dx', true],
    ['[^a-c]x', 'bx', false],
    ['[\\]]', ']', true],
    ['\\*', '*', true],
    ['\\*', 'a', false],
    ['d/*/f', 'd/e/f', true],
    ['ü?', 'üx', true],
    ['[', '[', false],
    ['a[', 'a', false],
    ['[]a]', 'a', false],
    ['[z-a]', 'm', false],
    ['x\\', 'x', false],
  ])('%s on %s: %s', (pattern, name, expected) => {
    expect(goMatch(pattern, name)).toBe(expected);
  });
});

describe('matchPrefix (fsutil include patterns)', () => {
  it('matches a directory on the way to a pattern as partial, a full match as whole', () => {
    expect(matchPrefix('a/b/c', 'a')).toEqual({ matched: true, partial: true });
    expect(matchPrefix('a/*/c', 'a/x')).toEqual({ matched: true, partial: true });
    expect(matchPrefix('a/b/c', 'a/b/c')).toEqual({ matched: true, partial: false });
    expect(matchPrefix('a', 'a/b')).toEqual({ matched: false, partial: false });
    expect(matchPrefix('*.py', 'x.py')).toEqual({ matched: true, partial: false });
    expect(matchPrefix('b/c', 'a')).toEqual({ matched: false, partial: true });
  });
});

describe('ExcludeMatcher (.dockerignore rules as moby fileutils applies them)', () => {
  it('matches files and, through a parent directory rule, what is below', () => {
    const m = new ExcludeMatcher(['*.log', 'build', 'docs/**', '**/*.tmp', ' ', './cache/']);
    expect(m.matches('a.log')).toBe(true);
    expect(m.matches('d/a.log')).toBe(false);
    expect(m.matches('build')).toBe(true);
    expect(m.matches('build/x/y')).toBe(true);
    expect(m.matches('builder')).toBe(false);
    expect(m.matches('docs/a')).toBe(true);
    expect(m.matches('x/y/z.tmp')).toBe(true);
    expect(m.matches('z.tmp')).toBe(true);
    expect(m.matches('cache/a')).toBe(true);
    expect(m.hasExclusions).toBe(false);
  });

  it('lets a later ! rule take a path back', () => {
    const m = new ExcludeMatcher(['build', '!build/keep', 'a.?', '!a.b']);
    expect(m.matches('build/other')).toBe(true);
    expect(m.matches('build/keep')).toBe(false);
    expect(m.matches('a.c')).toBe(true);
    expect(m.matches('a.b')).toBe(false);
    expect(m.hasExclusions).toBe(true);
  });

  it('refuses what Go refuses', () => {
    expect(() => new ExcludeMatcher(['!'])).toThrow(/illegal exclusion/);
    expect(() => new ExcludeMatcher(['a['])).toThrow(/malformed/);
  });
});

describe('followLinks (fsutil FollowLinks)', () => {
  const links: Record<string, string> = { lib: 'real', 'x/up': '../real/sub', abs: '/real', 'py/a.py': '../real/a.py' };
  const tree = {
    linkTarget: (path: string) => links[path],
    children: (dir: string) => (dir === 'py' ? ['a.py', 'b.py'] : []),
  };

  it('adds the targets of the symlinks on the way, kept inside the context', () => {
    expect(followLinks(tree, ['lib/x'])).toEqual(['lib', 'real/x']);
    expect(followLinks(tree, ['x/up/f'])).toEqual(['real/sub/f', 'x/up']);
    expect(followLinks(tree, ['abs'])).toEqual(['abs', 'real']);
    expect(followLinks(tree, ['py/*.py'])).toEqual(['py/*.py', 'real/a.py']);
    expect(followLinks(tree, ['src', 'src/a', 'other'])).toEqual(['other', 'src']);
  });

  it('means no filter when a path is the root', () => {
    expect(followLinks(tree, ['.', 'a'])).toBeUndefined();
  });
});

describe('cleanPath', () => {
  it('cleans as Go path.Clean does', () => {
    expect(cleanPath('./a//b/../c/')).toBe('a/c');
    expect(cleanPath('')).toBe('.');
    expect(cleanPath('../a')).toBe('../a');
    expect(cleanPath('/../a')).toBe('/a');
  });
});
