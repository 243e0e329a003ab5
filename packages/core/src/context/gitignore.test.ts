import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { matchGitignore, parseGitignore } from './gitignore.js';

/** Paths (a trailing `/` marks a directory) that `rules` leaves out, each checked on its own. */
const ignored = (rules: string, paths: string[]) => {
  const file = parseGitignore(rules, '.gitignore');
  return paths.filter((path) => {
    const isDir = path.endsWith('/');
    const match = matchGitignore(file, isDir ? path.slice(0, -1) : path, isDir);
    return match !== undefined && !match.negated;
  });
};

// Each row: rules, paths tried, the ones git leaves out (and git itself agrees: see below).
const CASES: [string, string, string[], string[]][] = [
  ['a name matches at any depth', '*.pyc', ['a.pyc', 'src/a.pyc', 'a.py'], ['a.pyc', 'src/a.pyc']],
  ['a leading slash anchors', '/build', ['build/', 'src/build/', 'build'], ['build/', 'build']],
  ['a middle slash anchors', 'doc/frotz', ['doc/frotz', 'a/doc/frotz'], ['doc/frotz']],
  ['a trailing slash matches folders only', 'out/', ['out/', 'out', 'a/out/'], ['out/', 'a/out/']],
  ['`**/` matches in every folder', '**/foo', ['foo', 'a/foo', 'a/b/foo', 'a/foox'], ['foo', 'a/foo', 'a/b/foo']],
  ['`**/x/y` keeps the tail anchored', '**/foo/bar', ['foo/bar', 'a/foo/bar', 'foo/x/bar'], ['foo/bar', 'a/foo/bar']],
  ['`a/**` is everything inside a, not a', 'abc/**', ['abc/', 'abc/x', 'abc/x/y'], ['abc/x', 'abc/x/y']],
  ['`/**/` matches zero or more folders', 'a/**/b', ['a/b', 'a/x/b', 'a/x/y/b', 'b/a/b'], ['a/b', 'a/x/b', 'a/x/y/b']],
  ['`**` inside a name is one `*`', 'a**b', ['aXb', 'ab', 'a/b'], ['aXb', 'ab']],
  ['`**` alone matches everything', '**', ['x', 'a/b/'], ['x', 'a/b/']],
  ['`*` and `?` stop at a slash', 'a/*.txt', ['a/x.txt', 'a/b/x.txt'], ['a/x.txt']],
  ['`?` is one character', 'temp?', ['temp1', 'temp12', 'temp'], ['temp1']],
  ['bracket expressions', 'log[0-9].txt', ['log1.txt', 'logx.txt'], ['log1.txt']],
  ['negated bracket expressions', 'v[!0-9]', ['va', 'v1'], ['va']],
  ['`^` negates too', 'v[^a]', ['va', 'vb'], ['vb']],
  ['`]` first is a member', '[]x]', [']', 'x', 'y'], [']', 'x']],
  ['POSIX classes', '[[:digit:]][[:upper:]]', ['1A', 'a1', '1a'], ['1A']],
  ['an unclosed `[` matches nothing', '[\nx[ab', ['[', 'x[ab', 'xa'], []],
  ['an unknown class matches nothing', '[[:nope:]]', ['n', ':'], []],
  ['a reversed range matches only its start', 'x[z-a]', ['xa', 'xz', 'xm'], ['xz']],
  ['escapes', '\\#h\n\\!e\n\\*', ['#h', '!e', '*', 'x'], ['#h', '!e', '*']],
  ['a trailing backslash matches nothing', 't\\', ['t', 't\\'], []],
  ['comments and blank lines', '# *.py\n\n', ['a.py', '# *.py'], []],
  ['trailing spaces are dropped unless escaped', 'bar  \nbaz\\ ', ['bar', 'bar ', 'baz', 'baz '], ['bar', 'baz ']],
  ['a trailing CR is dropped (CRLF files)', 'foo\r\nbar\r\n', ['foo', 'bar', 'foo\r'], ['foo', 'bar']],
  ['a BOM is dropped', '\uFEFFfoo', ['foo'], ['foo']],
  ['the last match wins', '*.md\n!README.md', ['README.md', 'CHANGES.md'], ['CHANGES.md']],
  ['a negation before the rule changes nothing', '!README.md\n*.md', ['README.md'], ['README.md']],
  ['case matters', '*.PY', ['a.py', 'b.PY'], ['b.PY']],
];

describe('parseGitignore + matchGitignore: git semantics', () => {
  it.each(CASES)('%s', (_, rules, paths, expected) => {
    expect(ignored(rules, paths)).toEqual(expected);
  });

  it('tells which line decided, negations included', () => {
    const file = parseGitignore('# x\n*.log\n!keep.log\n', 'sub/.gitignore');
    expect(matchGitignore(file, 'a.log', false)).toMatchObject({ line: 2, text: '*.log', negated: false });
    expect(matchGitignore(file, 'keep.log', false)).toMatchObject({ line: 3, text: '!keep.log', negated: true });
    expect(matchGitignore(file, 'a.txt', false)).toBeUndefined();
  });

  it('matches a hostile pattern against a long name without backtracking blow-up', { timeout: 5_000 }, () => {
    const name = 'a'.repeat(4000);
    const rules = `${'*a'.repeat(40)}*b\n${'**/'.repeat(40)}b`;
    expect(ignored(rules, [name, `${'x/'.repeat(1000)}c`])).toEqual([]);
  });
});

describe('the same cases against git itself', () => {
  // git check-ignore on real files and folders (it reads their type from disk), one path at
  // a time so a file and a folder of one name can both be tried. No user or system config.
  const repo = mkdtempSync(join(tmpdir(), 'imagespec-gitignore-'));
  const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
  const git = (args: string[], input?: string) => spawnSync('git', args, { cwd: repo, env, input, encoding: 'utf8' });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  it.each(CASES)('%s', (_, rules, paths, expected) => {
    expect(git(['init', '-q', '.']).status).toBe(0);
    const byGit = paths.filter((path) => {
      const isDir = path.endsWith('/');
      const name = isDir ? path.slice(0, -1) : path;
      const top = join(repo, name.split('/')[0]!);
      rmSync(top, { recursive: true, force: true });
      if (isDir) mkdirSync(join(repo, name), { recursive: true });
      else {
        mkdirSync(dirname(join(repo, name)), { recursive: true });
        writeFileSync(join(repo, name), '');
      }
      writeFileSync(join(repo, '.gitignore'), rules);
      const result = git(['check-ignore', '--no-index', '-z', '--stdin'], `${name}\0`);
      rmSync(top, { recursive: true, force: true });
      expect(result.status, result.stderr).not.toBe(128);
      return result.status === 0;
    });
    expect(byGit).toEqual(expected);
  });
});
