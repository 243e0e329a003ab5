/**
 * `.gitignore` files with git's semantics (gitignore(5), wildmatch with WM_PATHNAME), pure.
 *
 * Per line: a UTF-8 BOM and one trailing CR are dropped; trailing spaces are dropped unless
 * escaped (`\ `); blank lines and lines starting with `#` are skipped (`\#` is a literal
 * `#`); `!` negates (`\!` is a literal `!`); a trailing `/` matches directories only; a
 * pattern with a `/` at the start or in the middle is anchored to the file's folder,
 * otherwise it matches the name at any depth. `*` and `?` never match `/`; `[...]` is a
 * bracket expression (`!` or `^` negates, ranges, POSIX classes such as `[:digit:]`); `**`
 * as a whole segment matches any number of folders (`a/**` everything inside `a`, but not
 * `a`); other runs of `*` are one `*`; `\x` is a literal `x`. A malformed pattern (an
 * unclosed `[`, a trailing `\`) matches nothing, as in git.
 *
 * Matching walks the compiled segments instead of building a RegExp: a hostile pattern
 * such as `*a*a*a*a*a*b` costs O(pattern × path) here, where a backtracking RegExp could
 * take minutes on one long name.
 */

export interface GitignorePattern {
  /** The line as written (trailing spaces dropped), for messages. */
  readonly text: string;
  /** 1-based line in its file. */
  readonly line: number;
  readonly negated: boolean;
  readonly dirOnly: boolean;
  /** Matched against the path relative to the file's folder; otherwise against the name. */
  readonly anchored: boolean;
  /** Undefined: malformed, never matches. */
  readonly segments: readonly Segment[] | undefined;
}

export interface Gitignore {
  /** Where the file is, for messages. */
  readonly source: string;
  readonly patterns: readonly GitignorePattern[];
}

/** A path segment pattern, or `**` (any number of segments). */
type Segment = readonly Token[] | typeof GLOBSTAR;
type Token = string | typeof STAR | typeof ANY | CharClass;
interface CharClass {
  readonly negated: boolean;
  /** Single characters and inclusive ranges, as code units. */
  readonly items: readonly (readonly [number, number])[];
}

const GLOBSTAR = Symbol('**');
const STAR = Symbol('*');
const ANY = Symbol('?');

export function parseGitignore(text: string, source: string): Gitignore {
  const patterns: GitignorePattern[] = [];
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  lines.forEach((raw, index) => {
    const line = trimTrailingSpaces(raw.endsWith('\r') ? raw.slice(0, -1) : raw);
    if (line === '' || line.startsWith('#')) return;
    const pattern = parsePattern(line, index + 1);
    if (pattern) patterns.push(pattern);
  });
  return { source, patterns };
}

/**
 * The pattern that decides `path` (relative to the file's folder, POSIX, no trailing
 * slash) within one file: the last one that matches. Whether a path's parent folder is
 * excluded is the caller's business (git never looks inside an excluded folder).
 */
export function matchGitignore(file: Gitignore, path: string, isDir: boolean): GitignorePattern | undefined {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const parts = path.split('/');
  for (let i = file.patterns.length - 1; i >= 0; i--) {
    const pattern = file.patterns[i]!;
    if (!pattern.segments || (pattern.dirOnly && !isDir)) continue;
    const matched = pattern.anchored
      ? matchSegments(pattern.segments, parts)
      : matchTokens(pattern.segments[0] as readonly Token[], name);
    if (matched) return pattern;
  }
  return undefined;
}

function trimTrailingSpaces(line: string): string {
  let end = line.length;
  while (end > 0 && line[end - 1] === ' ') {
    // An escaped space ends the trimming: count the backslashes before it.
    let slashes = 0;
    while (end - 2 - slashes >= 0 && line[end - 2 - slashes] === '\\') slashes++;
    if (slashes % 2 === 1) break;
    end--;
  }
  return line.slice(0, end);
}

function parsePattern(line: string, lineNumber: number): GitignorePattern | undefined {
  let body = line;
  const negated = body.startsWith('!');
  if (negated) body = body.slice(1);
  const dirOnly = body.endsWith('/') && !body.endsWith('\\/');
  if (dirOnly) body = body.replace(/\/+$/, '');
  if (body === '') return undefined;
  const anchored = body.includes('/');
  if (body.startsWith('/')) body = body.slice(1);
  const segments = compileSegments(body);
  const base = { text: line, line: lineNumber, negated, dirOnly, anchored };
  // A trailing `**` must match at least one segment: `a/**` is everything inside `a`, not `a`.
  if (segments && segments.length > 1 && segments[segments.length - 1] === GLOBSTAR) segments.push([STAR]);
  if (anchored || !segments) return { ...base, segments };
  // Without a slash the pattern is one name; `**` alone then means any name.
  return { ...base, segments: [segments[0] === GLOBSTAR ? [STAR] : segments[0]!] };
}

/** Splits on `/` (escapes kept in mind) and compiles each segment; undefined when malformed. */
function compileSegments(body: string): Segment[] | undefined {
  const segments: Segment[] = [];
  let tokens: Token[] = [];
  const close = () => {
    const onlyStars = tokens.length === 1 && tokens[0] === STAR && starRun >= 2;
    // Consecutive `**` segments mean the same as one; keeping one bounds the matching work.
    if (onlyStars) {
      if (segments[segments.length - 1] !== GLOBSTAR) segments.push(GLOBSTAR);
    } else segments.push(tokens);
    tokens = [];
    starRun = 0;
  };
  let starRun = 0;
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch === '/') {
      close();
      continue;
    }
    if (ch === '*') {
      if (tokens[tokens.length - 1] !== STAR) tokens.push(STAR);
      starRun = tokens.length === 1 ? starRun + 1 : 0;
      continue;
    }
    starRun = 0;
    if (ch === '?') tokens.push(ANY);
    else if (ch === '\\') {
      if (i + 1 >= body.length) return undefined; // a trailing backslash: git matches nothing
      tokens.push(body[++i]!);
    } else if (ch === '[') {
      const parsed = parseClass(body, i);
      if (!parsed) return undefined;
      tokens.push(parsed.charClass);
      i = parsed.end;
    } else tokens.push(ch);
  }
  close();
  return segments;
}

const POSIX_CLASSES: Record<string, readonly (readonly [number, number])[]> = {
  alnum: [range('0', '9'), range('A', 'Z'), range('a', 'z')],
  alpha: [range('A', 'Z'), range('a', 'z')],
  blank: [range(' ', ' '), range('\t', '\t')],
  cntrl: [
    [0, 0x1f],
    [0x7f, 0x7f],
  ],
  digit: [range('0', '9')],
  graph: [[0x21, 0x7e]],
  lower: [range('a', 'z')],
  print: [[0x20, 0x7e]],
  punct: [
    [0x21, 0x2f],
    [0x3a, 0x40],
    [0x5b, 0x60],
    [0x7b, 0x7e],
  ],
  space: [
    [0x09, 0x0d],
    [0x20, 0x20],
  ],
  upper: [range('A', 'Z')],
  xdigit: [range('0', '9'), range('A', 'F'), range('a', 'f')],
};

function range(from: string, to: string): readonly [number, number] {
  return [from.charCodeAt(0), to.charCodeAt(0)];
}

/** wildmatch's bracket expression starting at `start` (`[`); undefined when unclosed or malformed. */
function parseClass(body: string, start: number): { charClass: CharClass; end: number } | undefined {
  let i = start + 1;
  let negated = false;
  if (body[i] === '!' || body[i] === '^') {
    negated = true;
    i++;
  }
  const items: (readonly [number, number])[] = [];
  let previous: number | undefined;
  let first = true;
  for (; i < body.length; i++) {
    let ch = body[i]!;
    // `]` right after `[` (or `[!`) is a literal.
    if (ch === ']' && !first) return { charClass: { negated, items }, end: i };
    first = false;
    if (ch === '\\') {
      if (++i >= body.length) return undefined;
      ch = body[i]!;
    } else if (ch === '-' && previous !== undefined && i + 1 < body.length && body[i + 1] !== ']') {
      let to = body[++i]!;
      if (to === '\\') {
        if (++i >= body.length) return undefined;
        to = body[i]!;
      }
      // The start stays a member on its own, so a reversed range matches just it, as in git.
      items.push([previous, to.charCodeAt(0)]);
      previous = undefined;
      continue;
    } else if (ch === '[' && body[i + 1] === ':') {
      const close = body.indexOf(']', i + 2);
      if (close === -1) return undefined;
      if (body[close - 1] === ':' && close - 1 > i + 1) {
        const named = POSIX_CLASSES[body.slice(i + 2, close - 1)];
        if (!named) return undefined; // an unknown class name: git matches nothing
        items.push(...named);
        previous = undefined;
        i = close;
        continue;
      }
      // No `:]`: the `[` is a plain member.
    }
    const code = ch.charCodeAt(0);
    items.push([code, code]);
    previous = code;
  }
  return undefined;
}

/** Segment lists with `**` (any run of segments). */
function matchSegments(segments: readonly Segment[], parts: readonly string[]): boolean {
  return matchRun(segments, parts.length, GLOBSTAR, (segment, at) => matchTokens(segment as Token[], parts[at]!));
}

/** One segment against one name (`*`: any run of characters). */
function matchTokens(tokens: readonly Token[], name: string): boolean {
  return matchRun(tokens, name.length, STAR, (token, at) =>
    matchesChar(token as Exclude<Token, typeof STAR>, name.charCodeAt(at)),
  );
}

/**
 * Wildcard matching of `pattern` against `length` items, where `star` matches any run of
 * items: greedy, with one backtrack point (the last star), so O(pattern × items) at worst.
 */
function matchRun<P>(
  pattern: readonly P[],
  length: number,
  star: P,
  matchesAt: (item: P, at: number) => boolean,
): boolean {
  let p = 0;
  let at = 0;
  let starP = -1;
  let starAt = 0;
  while (at < length) {
    const item = pattern[p];
    if (item === star) {
      starP = p++;
      starAt = at;
    } else if (item !== undefined && matchesAt(item, at)) {
      p++;
      at++;
    } else if (starP >= 0) {
      p = starP + 1;
      at = ++starAt;
    } else return false;
  }
  while (pattern[p] === star) p++;
  return p === pattern.length;
}

function matchesChar(token: Exclude<Token, typeof STAR>, code: number): boolean {
  if (token === ANY) return true;
  if (typeof token === 'string') return token.charCodeAt(0) === code;
  const inside = token.items.some(([from, to]) => code >= from && code <= to);
  return inside !== token.negated;
}
