/**
 * The path filters a BuildKit file-sync receiver asks the sender to apply, with the
 * semantics of the Go sender that docker and buildx run (tonistiigi/fsutil's walker as the
 * engine's BuildKit of Docker 20.10 vendors it, with moby's fileutils.PatternMatcher):
 * - include-patterns: Go filepath.Match globs, matched against a path's leading components
 *   (a directory on the way to a pattern is sent; a matched directory brings all it holds);
 * - exclude-patterns: .dockerignore rules (`**`, `!` exceptions, a rule matching a parent
 *   directory excludes what is below it);
 * - followpaths: paths (globs in their last components) whose symlinks are resolved inside
 *   the context, added to the include patterns with their targets.
 */

/** A pattern the receiver sent that cannot be applied faithfully: the sync fails rather than send a wrong tree. */
export class PatternError extends Error {
  override readonly name = 'PatternError';
}

/** Go's filepath.Match on POSIX paths as a RegExp, or undefined when Go reports ErrBadPattern. */
function globRegExp(pattern: string): RegExp | undefined {
  const chars = Array.from(pattern);
  let source = '';
  const literal = (ch: string) => `\\u{${ch.codePointAt(0)?.toString(16)}}`;
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    if (ch === '*') source += '[^/]*';
    else if (ch === '?') source += '[^/]';
    else if (ch === '\\') {
      const next = chars[++i];
      if (next === undefined) return undefined;
      source += literal(next);
    } else if (ch === '[') {
      let j = i + 1;
      let negated = false;
      if (chars[j] === '^') {
        negated = true;
        j++;
      }
      let ranges = '';
      let count = 0;
      for (;;) {
        if (chars[j] === ']' && count > 0) break;
        const lo = escapedChar(chars, j);
        if (!lo) return undefined;
        j = lo.next;
        let hi = lo;
        if (chars[j] === '-') {
          const upper = escapedChar(chars, j + 1);
          if (!upper) return undefined;
          hi = upper;
          j = upper.next;
        }
        if (chars[j] === undefined) return undefined;
        // Go matches nothing with a reversed range (lo > hi); a RegExp would not compile.
        if ((lo.ch.codePointAt(0) ?? 0) <= (hi.ch.codePointAt(0) ?? 0))
          ranges += hi === lo ? literal(lo.ch) : `${literal(lo.ch)}-${literal(hi.ch)}`;
        count++;
      }
      // A class whose ranges are all empty (a reversed range) matches nothing, or anything when negated.
      source += ranges === '' ? (negated ? '[^]' : '[]') : `[${negated ? '^' : ''}${ranges}]`;
      i = j;
    } else source += literal(ch);
  }
  return new RegExp(`^${source}$`, 'u');
}

function escapedChar(chars: readonly string[], at: number): { ch: string; next: number } | undefined {
  let i = at;
  const first = chars[i];
  if (first === undefined || first === '-' || first === ']') return undefined;
  if (first === '\\') i++;
  const ch = chars[i];
  if (ch === undefined) return undefined;
  return { ch, next: i + 1 };
}

const globCache = new Map<string, RegExp | undefined>();

/** Go's filepath.Match (`*`, `?`, `[...]`, `\`) for POSIX paths; a malformed pattern matches nothing. */
export function goMatch(pattern: string, name: string): boolean {
  let regexp = globCache.get(pattern);
  if (!globCache.has(pattern)) {
    regexp = globRegExp(pattern);
    globCache.set(pattern, regexp);
  }
  return regexp?.test(name) ?? false;
}

/** Go's path.Clean for relative POSIX paths ('' -> '.'). */
export function cleanPath(path: string): string {
  const rooted = path.startsWith('/');
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
      else if (!rooted) parts.push('..');
    } else parts.push(part);
  }
  const joined = parts.join('/');
  return rooted ? `/${joined}` : joined || '.';
}

const separators = (text: string) => text.split('/').length - 1;

/**
 * fsutil's matchPrefix: whether `name` matches `pattern` cut to as many components as `name`
 * has; `partial` when the pattern had more (name is a directory on the way to it).
 */
export function matchPrefix(pattern: string, name: string): { matched: boolean; partial: boolean } {
  const count = separators(name);
  if (separators(pattern) > count) {
    const cut = pattern
      .split('/')
      .slice(0, count + 1)
      .join('/');
    return { matched: goMatch(cut, name), partial: true };
  }
  return { matched: goMatch(pattern, name), partial: false };
}

interface ExcludeRule {
  readonly exclusion: boolean;
  readonly text: string;
  readonly dirs: number;
  readonly regexp: RegExp;
}

/** The regular expression moby's fileutils builds from a .dockerignore rule. */
function ruleRegExp(pattern: string): RegExp {
  let source = '^';
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] as string;
    if (ch === '*') {
      if (chars[i + 1] === '*') {
        i++;
        if (chars[i + 1] === '/') i++;
        source += i + 1 >= chars.length ? '.*' : '(.*/)?';
      } else source += '[^/]*';
    } else if (ch === '?') source += '[^/]';
    else if (ch === '\\') {
      const next = chars[i + 1];
      if (next === undefined) source += '\\\\';
      else {
        i++;
        source += /[a-zA-Z0-9]/.test(next) ? next : `\\${next}`;
      }
    } else if (ch === '[') {
      // Go passes a class through to its regexp engine: keep it a class here too.
      const end = chars.indexOf(']', i + 2);
      if (end === -1) throw new PatternError(`exclude pattern ${JSON.stringify(pattern)}: unterminated [`);
      const body = chars.slice(i + 1, end).join('');
      source += `[${body}]`;
      i = end;
    } else source += /[\w/-]/.test(ch) ? ch : `\\${ch}`;
  }
  try {
    return new RegExp(`${source}$`, 'u');
  } catch (error) {
    throw new PatternError(`exclude pattern ${JSON.stringify(pattern)}: ${(error as Error).message}`);
  }
}

/** moby's fileutils.PatternMatcher: the .dockerignore semantics BuildKit's exclude-patterns use. */
export class ExcludeMatcher {
  readonly rules: readonly ExcludeRule[];
  readonly hasExclusions: boolean;

  constructor(patterns: readonly string[]) {
    const rules: ExcludeRule[] = [];
    for (const raw of patterns) {
      let text = raw.trim();
      if (text === '') continue;
      text = cleanPath(text);
      let exclusion = false;
      if (text.startsWith('!')) {
        if (text.length === 1) throw new PatternError('illegal exclusion pattern: "!"');
        exclusion = true;
        text = text.slice(1);
      }
      if (globRegExp(text) === undefined) throw new PatternError(`exclude pattern ${JSON.stringify(raw)} is malformed`);
      rules.push({ exclusion, text, dirs: text.split('/').length, regexp: ruleRegExp(text) });
    }
    this.rules = rules;
    this.hasExclusions = rules.some((rule) => rule.exclusion);
  }

  matches(path: string): boolean {
    let matched = false;
    const slash = path.lastIndexOf('/');
    const parentDirs = slash === -1 ? [] : path.slice(0, slash).split('/');
    for (const rule of this.rules) {
      let match = rule.regexp.test(path);
      if (!match && parentDirs.length > 0 && rule.dirs <= parentDirs.length) {
        match = rule.regexp.test(parentDirs.slice(0, rule.dirs).join('/'));
      }
      if (match) matched = !rule.exclusion;
    }
    return matched;
  }
}

function containsWildcards(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const ch = name[i];
    if (ch === '\\') i++;
    else if (ch === '*' || ch === '?' || ch === '[') return true;
  }
  return false;
}

/** What followpaths resolution needs to know of the tree. */
export interface LinkTree {
  /** The symlink target of a path, undefined when it is not a symlink (or not there). */
  linkTarget(path: string): string | undefined;
  /** The names in a directory ('' for the root). */
  children(dir: string): readonly string[];
}

const dirOf = (path: string) => {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '.' : path.slice(0, slash);
};
const join = (...parts: string[]) => cleanPath(parts.filter((part) => part !== '').join('/'));

/**
 * fsutil's FollowLinks: the given paths plus the targets of the symlinks on their way
 * (kept inside the context), sorted and without paths under another; undefined when one
 * of them is the root (no filter).
 */
export function followLinks(tree: LinkTree, paths: readonly string[]): string[] | undefined {
  const resolved = new Set<string>();
  const readSymlink = (path: string, allowWildcard: boolean): string[] | undefined => {
    const base = path.slice(path.lastIndexOf('/') + 1);
    if (allowWildcard && containsWildcards(base)) {
      const dir = dirOf(path);
      const out: string[] = [];
      for (const name of tree.children(dir === '.' ? '' : dir)) {
        if (goMatch(base, name)) out.push(...(readSymlink(join(dir === '.' ? '' : dir, name), false) ?? []));
      }
      return out.length > 0 ? out : undefined;
    }
    const link = tree.linkTarget(path);
    if (link === undefined) return undefined;
    const clean = cleanPath(link);
    if (clean.startsWith('/')) return [clean];
    return [cleanPath(`/${dirOf(path) === '.' ? '' : dirOf(path)}/${clean}`)];
  };
  const append = (input: string, depth: number): void => {
    if (depth > 255) throw new PatternError(`followpaths: too many levels of symbolic links at ${input}`);
    let rest = input;
    let current = '.';
    for (;;) {
      const slash = rest.indexOf('/');
      const head = slash === -1 ? rest : rest.slice(0, slash);
      rest = slash === -1 ? '' : rest.slice(slash + 1);
      current = join(current === '.' ? '' : current, head);
      const targets = current === '.' ? undefined : readSymlink(current, true);
      if ((rest === '' || targets) && resolved.has(current)) return;
      if (targets) {
        resolved.add(current);
        for (const target of targets) append(join(target, rest), depth + 1);
        return;
      }
      if (rest === '') {
        resolved.add(current);
        return;
      }
    }
  };
  for (const path of paths) append(path, 0);
  return dedupePaths([...resolved].sort(compareStrings));
}

function compareStrings(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * fsutil's dedupePaths: drops paths under one kept before them; a root path means no filter.
 * The walker calls it on its include list as it stands, unsorted, as fsutil does.
 */
export function dedupePaths(paths: readonly string[]): string[] | undefined {
  const out: string[] = [];
  let last: string | undefined;
  for (const path of paths) {
    if (path === '.') return undefined;
    if (last !== undefined && path.startsWith(`${last}/`)) continue;
    out.push(path);
    last = path;
  }
  return out;
}
