/**
 * What a value must not hold to be written into a Dockerfile instruction. The renderer
 * (dockerfile/quote.ts) refuses values through these functions and spec validation
 * (schema.ts) checks with the same ones, so `tag`, `dockerfile`, `build --dry-run` and the
 * real build accept exactly the same specs. No imports: builders reach this through quote.ts.
 */

/** C0 controls, DEL, and the Unicode line breaks (NEL, LS, PS) some editors and parsers honour. */
export const CONTROL = /[\u0000-\u001f\u007f\u0085\u2028\u2029]/u;
/** What ends a Dockerfile line for some reader: CONTROL but the tab. */
export const LINE_BREAKING = /[\u0000-\u0008\u000a-\u001f\u007f\u0085\u2028\u2029]/u;
const NAMED_CHARS: Readonly<Record<string, string>> = {
  '\n': 'a newline',
  '\r': 'a carriage return',
  '\t': 'a tab',
  '\u0085': 'the next-line character U+0085',
  '\u2028': 'the line separator U+2028',
  '\u2029': 'the paragraph separator U+2029',
  '\u00a0': 'a no-break space (U+00A0)',
};

export function describeChar(char: string): string {
  const named = Object.hasOwn(NAMED_CHARS, char) ? NAMED_CHARS[char] : undefined;
  if (named) return named;
  const code = `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
  if (CONTROL.test(char)) return `the control character ${code}`;
  if (/[^\x20-\x7e]/u.test(char))
    return `the character ${code}${/\s/u.test(char) ? ' (a space that is no ASCII space)' : ''}`;
  return `\`${char}\``;
}

const RUN_FLAG = /^\s*-/;
const TRAILING_ESCAPE = /\\\s*$/;
const JSON_ARRAY = /^\s*\[/;

/** A problem of a value for one instruction, and how to fix it. */
export interface Refusal {
  readonly problem: string;
  readonly fix?: string;
}

const SCRIPT_FIX = 'Join steps with && on one line, or put the script in a file listed in copy and run it.';

/**
 * A command written as is after `RUN` (commands and verify): it must not end the line,
 * continue onto the next one, open a heredoc, pass RUN flags, or turn into exec form.
 */
export function commandRefusal(command: string): Refusal | undefined {
  const lineBreak = LINE_BREAKING.exec(command)?.[0];
  if (lineBreak !== undefined)
    return {
      problem: `contains ${describeChar(lineBreak)}, which a Dockerfile instruction cannot hold`,
      fix: SCRIPT_FIX,
    };
  if (command.trim() === '') return { problem: 'is empty' };
  if (RUN_FLAG.test(command))
    return { problem: 'starts with "-", which the Dockerfile parser would read as a RUN flag' };
  if (TRAILING_ESCAPE.test(command))
    return { problem: 'ends with a backslash, which would join the next Dockerfile line to it', fix: SCRIPT_FIX };
  if (command.includes('<<'))
    return {
      problem: 'contains "<<", which BuildKit reads as a heredoc that swallows the following lines',
      fix: SCRIPT_FIX,
    };
  if (JSON_ARRAY.test(command) && isJsonStringArray(command))
    return { problem: 'is a JSON array, which Docker would run without a shell', fix: 'Write it as a shell command.' };
  return undefined;
}

function isJsonStringArray(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) && value.every((item) => typeof item === 'string');
  } catch {
    return false;
  }
}

// Characters Docker expands or unquotes in COPY/WORKDIR/USER arguments, or that break a mount flag.
const PATH_SPECIAL = /["'`$\\]|<</;
const GLOB = /[*?[\]]/;
const RENAME = 'Rename the file or folder.';

/**
 * A path inside the image or the build context, as COPY (JSON form) and WORKDIR read it.
 * Docker expands `$VAR` and removes quotes and backslashes in these arguments, and COPY
 * sources are glob patterns; such characters are refused rather than escaped, because the
 * classic builder, BuildKit and Kaniko disagree on how escapes survive. `spaces`: COPY's
 * JSON form holds them, WORKDIR and mount targets do not.
 */
export function dockerPathRefusal(
  path: string,
  options: { source?: boolean; spaces?: boolean } = {},
): Refusal | undefined {
  const lineBreak = LINE_BREAKING.exec(path)?.[0];
  if (lineBreak !== undefined)
    return { problem: `contains ${describeChar(lineBreak)}, which a Dockerfile instruction cannot hold` };
  if (path === '') return { problem: 'is empty' };
  const special = PATH_SPECIAL.exec(path)?.[0];
  if (special !== undefined)
    return {
      problem: `contains ${JSON.stringify(special)}, which Docker would expand or unquote in this instruction`,
      fix: RENAME,
    };
  if (options.source && GLOB.test(path))
    return {
      problem: 'contains a glob character (*, ?, [ or ]), which COPY would read as a pattern',
      fix: RENAME,
    };
  if (!options.spaces && /\s/u.test(path))
    return { problem: 'contains whitespace, which this instruction cannot hold', fix: RENAME };
  return undefined;
}
