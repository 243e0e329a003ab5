import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isImagespecError } from '../errors.js';
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

  it('tells which line decided a path, `!` lines included', () => {
    const matcher = parseIgnoreMatcher('# c\n*.md\n\n!README.md\n');
    expect(matcher.lastMatch('CHANGES.md')).toEqual({ text: '*.md', line: 2, negated: false });
    expect(matcher.lastMatch('README.md')).toEqual({ text: '!README.md', line: 4, negated: true });
    expect(matcher.lastMatch('a.txt')).toBeUndefined();
  });

  it('gives the same answers whether or not a line starts with `!!`', () => {
    const plain = parseIgnoreMatcher('*\n!keep\n');
    const doubled = parseIgnoreMatcher('*\n!keep\n!!odd\n');
    for (const path of ['a', 'keep', 'odd', 'x/y']) expect(doubled.ignores(path)).toBe(plain.ignores(path));
  });

  it('matches only its own lines: the built-in list is the walk’s (tree-ignore.ts)', () => {
    expect(parseIgnoreMatcher('').ignores('.git/HEAD')).toBe(false);
  });

  it('refuses a line Docker cannot compile, naming the file and line', () => {
    for (const bad of ['[', 'a[b', '[a-']) {
      let thrown: unknown;
      try {
        parseIgnoreMatcher(`ok\n\n${bad}\n`, '/p/.dockerignore');
      } catch (error) {
        thrown = error;
      }
      expect(isImagespecError(thrown) && thrown.code).toBe('IGNORE_FILE_INVALID');
      expect((thrown as Error).message).toContain(`/p/.dockerignore:3: \`${bad}\``);
    }
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

  it('matches nothing when there is no .dockerignore', async () => {
    dir = await mkdtemp(join(tmpdir(), 'imagespec-ignore-'));
    const matcher = await createIgnoreMatcher(dir);
    expect(matcher.patterns).toEqual([]);
    expect(matcher.ignores('a.log')).toBe(false);
  });

  it('refuses a .dockerignore that is a FIFO instead of waiting for a writer', { timeout: 5_000 }, async () => {
    dir = await mkdtemp(join(tmpdir(), 'imagespec-ignore-'));
    execFileSync('mkfifo', [join(dir, '.dockerignore')]);
    await expect(createIgnoreMatcher(dir)).rejects.toMatchObject({ code: 'FILE_NOT_REGULAR' });
  });
});
