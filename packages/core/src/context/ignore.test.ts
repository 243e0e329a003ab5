import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createIgnoreMatcher, parseIgnoreMatcher } from './ignore.js';

const ignored = (rules: string, paths: string[]) => {
  const matcher = parseIgnoreMatcher(rules);
  return paths.filter((path) => matcher.ignores(path));
};

describe('parseIgnoreMatcher: Docker semantics', () => {
  it('anchors a plain pattern at the root (unlike .gitignore)', () => {
    expect(ignored('*.pyc', ['a.pyc', 'src/a.pyc', 'a.py'])).toEqual(['a.pyc']);
  });

  it('matches at any depth with **', () => {
    expect(ignored('**/*.pyc', ['a.pyc', 'src/a.pyc', 'src/x/y/b.pyc', 'a.py'])).toEqual([
      'a.pyc',
      'src/a.pyc',
      'src/x/y/b.pyc',
    ]);
    expect(ignored('src/**/test', ['src/test', 'src/a/b/test', 'test', 'src/test/x.py'])).toEqual([
      'src/test',
      'src/a/b/test',
      'src/test/x.py',
    ]);
  });

  it('excludes a directory with everything under it; a leading or trailing slash changes nothing', () => {
    for (const rule of ['build', '/build', 'build/', '/build/']) {
      expect(ignored(rule, ['build', 'build/x.o', 'build/a/b', 'src/build', 'builds'])).toEqual([
        'build',
        'build/x.o',
        'build/a/b',
      ]);
    }
  });

  it('re-includes with ! exceptions, the last matching rule winning', () => {
    expect(ignored('*.md\n!README.md', ['README.md', 'CHANGES.md', 'docs/x.md'])).toEqual(['CHANGES.md']);
    expect(ignored('!README.md\n*.md', ['README.md', 'CHANGES.md'])).toEqual(['README.md', 'CHANGES.md']);
    expect(ignored('docs\n!docs/keep.md', ['docs', 'docs/a.md', 'docs/keep.md'])).toEqual(['docs', 'docs/a.md']);
  });

  it('supports ? and character classes, and is case-sensitive as on Linux', () => {
    expect(ignored('temp?', ['temp1', 'temp12', 'temp'])).toEqual(['temp1']);
    expect(ignored('log[0-9].txt', ['log1.txt', 'logx.txt'])).toEqual(['log1.txt']);
    expect(ignored('*.PY', ['a.py', 'b.PY'])).toEqual(['b.PY']);
  });

  it('skips comments and blank lines, and keeps the patterns for messages', () => {
    const matcher = parseIgnoreMatcher('# build output\n\n  dist  \r\n#*.py\n');
    expect(matcher.patterns).toEqual(['dist']);
    expect(matcher.ignores('dist/a.js')).toBe(true);
    expect(matcher.ignores('a.py')).toBe(false);
  });

  it('always leaves out .git at any depth, even against an exception', () => {
    const matcher = parseIgnoreMatcher('!.git\n!**/.git');
    for (const path of ['.git', '.git/HEAD', 'vendor/lib/.git', 'vendor/lib/.git/config']) {
      expect(matcher.ignores(path)).toBe(true);
    }
    expect(matcher.ignores('.github/workflows/ci.yml')).toBe(false);
    expect(matcher.ignores('x.git')).toBe(false);
    expect(matcher.mayIncludeBelow('.git')).toBe(false);
  });
});

describe('mayIncludeBelow', () => {
  it('is false when no exception can match below the directory', () => {
    expect(parseIgnoreMatcher('build').mayIncludeBelow('build')).toBe(false);
    expect(parseIgnoreMatcher('build\n!docs/keep.md').mayIncludeBelow('build')).toBe(false);
    // An exception with no more segments than the directory decides the directory itself.
    expect(parseIgnoreMatcher('a/b\n!a').mayIncludeBelow('a/b')).toBe(false);
  });

  it('is true when an exception names a path below it, directly or through wildcards', () => {
    expect(parseIgnoreMatcher('docs\n!docs/keep.md').mayIncludeBelow('docs')).toBe(true);
    expect(parseIgnoreMatcher('*\n!src/*.py').mayIncludeBelow('src')).toBe(true);
    expect(parseIgnoreMatcher('*\n!s*/main.py').mayIncludeBelow('src')).toBe(true);
    expect(parseIgnoreMatcher('*\n!**/keep').mayIncludeBelow('any/dir')).toBe(true);
    expect(parseIgnoreMatcher('*\n!docs/**/keep').mayIncludeBelow('src')).toBe(false);
  });
});

describe('createIgnoreMatcher', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reads <root>/.dockerignore', async () => {
    dir = await mkdtemp(join(tmpdir(), 'imagespec-ignore-'));
    await writeFile(join(dir, '.dockerignore'), '*.log\n');
    const matcher = await createIgnoreMatcher(dir);
    expect(matcher.ignores('a.log')).toBe(true);
    expect(matcher.ignores('a.txt')).toBe(false);
  });

  it('applies only the built-in rules when there is no .dockerignore', async () => {
    dir = await mkdtemp(join(tmpdir(), 'imagespec-ignore-'));
    const matcher = await createIgnoreMatcher(dir);
    expect(matcher.patterns).toEqual([]);
    expect(matcher.ignores('a.log')).toBe(false);
    expect(matcher.ignores('.git/HEAD')).toBe(true);
  });
});
