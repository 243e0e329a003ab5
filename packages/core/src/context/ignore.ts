import { readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import dockerignoreModule from '@balena/dockerignore';

/**
 * Paths left out of every hash and every build context, whatever `.dockerignore` says
 * (they are checked after it and cannot be re-included with `!`): version-control
 * metadata never belongs in an image, and a nested repository's `.git` changes on every
 * fetch, which would change the tag for nothing.
 */
export const BUILTIN_IGNORE_PATTERNS: readonly string[] = ['**/.git'];
/** The same rules as names: a path is left out when any of its segments is one of these. */
const BUILTIN_IGNORE_NAMES: ReadonlySet<string> = new Set(['.git']);

// A CommonJS module whose exports carry `default` pointing to itself: reading `.default`
// works under both NodeNext typing and every ESM loader's interop.
const dockerignore = dockerignoreModule.default;

export interface IgnoreMatcher {
  /** True when `path` (POSIX, relative to the root, no leading `./`) is left out. */
  ignores(path: string): boolean;
  /**
   * For a directory that `ignores` leaves out: true when an exception (`!pattern`) might
   * re-include something below it, so the walk must still descend. False means the whole
   * subtree can be skipped unread.
   */
  mayIncludeBelow(dir: string): boolean;
  /** The `.dockerignore` patterns as read (comments and blank lines dropped), for messages. */
  readonly patterns: readonly string[];
}

/** Reads `<root>/.dockerignore` (absent is fine) and returns a matcher with Docker's semantics. */
export async function createIgnoreMatcher(root: string): Promise<IgnoreMatcher> {
  let text = '';
  try {
    text = await readFile(join(root, '.dockerignore'), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
  }
  return parseIgnoreMatcher(text);
}

/** The matcher for a `.dockerignore` text (pure). */
export function parseIgnoreMatcher(dockerignoreText: string): IgnoreMatcher {
  const patterns = dockerignoreText
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  // Docker matches case-sensitively on Linux; the library's default is case-insensitive.
  const user = patterns.length > 0 ? dockerignore({ ignorecase: false }).add([...patterns]) : undefined;
  const exceptions = patterns.filter((p) => p.startsWith('!')).map((p) => cleanPattern(p.slice(1)));
  // The walk never enters a built-in-ignored directory, so checking the last segment would
  // do for it; checking all of them keeps `ignores` right for any caller.
  const builtin = (path: string) => path.split('/').some((segment) => BUILTIN_IGNORE_NAMES.has(segment));

  return {
    patterns,
    ignores: (path) => builtin(path) || (user?.ignores(path) ?? false),
    mayIncludeBelow(dir) {
      if (builtin(dir)) return false;
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
