import { join, posix } from 'node:path';
import dockerignoreModule from '@balena/dockerignore';
import { ImagespecError, isImagespecError } from '../errors.js';
import { fileError } from '../fs/file-error.js';
import { readRegularFile } from '../fs/read-regular-file.js';

// A CommonJS module whose exports carry `default` pointing to itself: reading `.default`
// works under both NodeNext typing and every ESM loader's interop.
const dockerignore = dockerignoreModule.default;

/** One `.dockerignore` line that decided a path. */
export interface DockerignorePattern {
  /** As written (trimmed), `!` included. */
  readonly text: string;
  readonly line: number;
  readonly negated: boolean;
}

export interface IgnoreMatcher {
  /** True when `path` (POSIX, relative to the root, no leading `./`) is left out by `.dockerignore`. */
  ignores(path: string): boolean;
  /**
   * The last line that matches `path` (Docker: the last match decides), or undefined. A
   * `!` line deciding a path means the user listed it on purpose.
   */
  lastMatch(path: string): DockerignorePattern | undefined;
  /**
   * For a directory that is left out: true when an exception (`!pattern`) might
   * re-include something below it, so the walk must still descend. False means the whole
   * subtree can be skipped unread.
   */
  mayIncludeBelow(dir: string): boolean;
  /** The patterns as read (comments and blank lines dropped), for messages. */
  readonly patterns: readonly string[];
}

/**
 * Reads `<root>/.dockerignore`, or `file` when given (a Dockerfile spec's
 * `<Dockerfile>.dockerignore`), absent is fine, and returns a matcher with Docker's semantics.
 */
export async function createIgnoreMatcher(root: string, file = join(root, '.dockerignore')): Promise<IgnoreMatcher> {
  let text = '';
  try {
    text = (await readRegularFile(file)).toString('utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw isImagespecError(error) ? error : fileError(error, file);
  }
  return parseIgnoreMatcher(text, file);
}

/**
 * The matcher for a `.dockerignore` text (pure). A line Docker cannot compile (an unclosed
 * `[`) is IGNORE_FILE_INVALID naming `file` and the line, as `docker build` refuses it too.
 */
export function parseIgnoreMatcher(dockerignoreText: string, file = '.dockerignore'): IgnoreMatcher {
  const lines = dockerignoreText
    .split(/\r?\n/)
    .map((text, index) => ({ text: text.trim(), line: index + 1 }))
    .filter(({ text }) => text !== '' && !text.startsWith('#'));
  const rules = lines.flatMap(({ text, line }) => {
    const negated = text.startsWith('!');
    const body = negated ? text.slice(1) : text;
    // Docker matches case-sensitively on Linux; the library's default is case-insensitive.
    const matcher = dockerignore({ ignorecase: false }).add(body);
    try {
      matcher.ignores('x'); // the library compiles a pattern on first use
    } catch (error) {
      throw new ImagespecError(
        'IGNORE_FILE_INVALID',
        `${file}:${line}: \`${text}\` is not a valid pattern (${(error as Error).message}).`,
        {
          hint: 'Escape a literal `[` as `\\[`, or close the bracket expression (`[abc]`); Docker refuses this file too.',
          cause: error,
          details: { file, line, pattern: text },
        },
      );
    }
    return [{ text, line, negated, body, matcher }];
  });
  const exceptions = rules.filter((rule) => rule.negated).map((rule) => cleanPattern(rule.text.slice(1)));
  // Every line as a positive pattern, in one matcher: most paths match none, and are
  // answered by one test instead of one per line. (A `!!x` line would be negative in it:
  // then every line is tried.)
  const any = rules.some((rule) => rule.body.startsWith('!'))
    ? undefined
    : dockerignore({ ignorecase: false }).add(rules.map((rule) => rule.body));
  const lastMatch = (path: string): DockerignorePattern | undefined => {
    if (rules.length === 0 || (any && !any.ignores(path))) return undefined;
    for (let i = rules.length - 1; i >= 0; i--) {
      const { text, line, negated, matcher } = rules[i]!;
      if (matcher.ignores(path)) return { text, line, negated };
    }
    return undefined;
  };

  return {
    patterns: lines.map(({ text }) => text),
    lastMatch,
    ignores: (path) => lastMatch(path)?.negated === false,
    mayIncludeBelow(dir) {
      const segments = dir.split('/');
      return exceptions.some((exception) => exceptionMayMatchBelow(exception, segments));
    },
  };
}

/**
 * Could `!exception` match some path strictly below `dir`? Errs towards yes (costs only
 * speed). A pattern without `**` and with no more segments than `dir` matches `dir`'s
 * descendants exactly as it matches `dir` itself (Docker compares a path's leading
 * directories against the pattern's segment count), so it cannot change the outcome.
 */
function exceptionMayMatchBelow(exception: string, dirSegments: string[]): boolean {
  const depth = dirSegments.length;
  const segments = exception.split('/');
  const doubleStar = segments.findIndex((segment) => segment.includes('**'));
  if (doubleStar === -1 && segments.length <= depth) return false;
  const fixed = doubleStar === -1 ? depth : Math.min(doubleStar, depth);
  for (let i = 0; i < fixed; i++) {
    if (!segmentMatches(segments[i]!, dirSegments[i]!)) return false;
  }
  return true;
}

function segmentMatches(pattern: string, name: string): boolean {
  try {
    return globSegmentRegExp(pattern).test(name);
  } catch {
    return true; // an odd pattern: walk the directory rather than risk dropping files
  }
}

/** The same translation the matcher library makes (filepath.Match: `*`, `?`, `\` escapes). */
function globSegmentRegExp(pattern: string): RegExp {
  let source = '^';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*') source += '[^/]*';
    else if (ch === '?') source += '[^/]';
    else if (ch === '.' || ch === '$') source += `\\${ch}`;
    else if (ch === '\\' && i + 1 < pattern.length) source += `\\${pattern[++i]}`;
    else source += ch;
  }
  return new RegExp(`${source}$`);
}

function cleanPattern(pattern: string): string {
  const cleaned = posix.normalize(pattern.trim()).replace(/\/+$/, '');
  return cleaned.startsWith('/') ? cleaned.slice(1) : cleaned;
}
