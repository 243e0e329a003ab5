import { ImagespecError } from '../errors.js';
import { commandRefusal, dockerPathRefusal, LINE_BREAKING } from '../spec/instruction-rules.js';
import { redactUrlCredentials } from '../spec/redact.js';

/**
 * Quoting for every value the renderer writes into a Dockerfile. A Dockerfile is
 * line-based: a newline ends an instruction, a trailing backslash joins the next line, a
 * `<<WORD` opens a heredoc that swallows the following lines, and leading `--x` words are
 * instruction flags. So values are either quoted in a form that cannot contain any of these
 * (JSON arrays, single-quoted shell words, double-quoted ENV/LABEL values) or rejected with
 * SPEC_INVALID naming the field. A spec can never add an instruction it did not ask for.
 */

/** Where a value came from, for the error message. */
export interface FieldRef {
  /** Spec name. */
  readonly spec?: string;
  /** Spec file, when the spec came from one. */
  readonly file?: string;
  /** Field path, e.g. `commands[2]` or `env.PATH`. */
  readonly path: string;
}

export function specInvalid(field: FieldRef, value: string, problem: string, hint?: string): ImagespecError {
  const where = [
    field.spec === undefined ? undefined : `spec ${JSON.stringify(field.spec)}`,
    field.file === undefined ? undefined : `(${field.file})`,
  ]
    .filter(Boolean)
    .join(' ');
  return new ImagespecError(
    'SPEC_INVALID',
    redactUrlCredentials(`${where ? `${where}: ` : ''}${field.path} ${JSON.stringify(value)} ${problem}.`),
    {
      ...(hint !== undefined && { hint }),
      details: { field: field.path, value: redactUrlCredentials(value), spec: field.spec, file: field.file },
    },
  );
}

/** Rejects a value that holds a newline or another control character. */
export function assertSingleLine(field: FieldRef, value: string, hint?: string): void {
  const found = LINE_BREAKING.exec(value)?.[0];
  if (found === undefined) return;
  const what =
    found === '\n' ? 'a newline' : found === '\r' ? 'a carriage return' : `the control character U+${codePoint(found)}`;
  throw specInvalid(field, value, `contains ${what}, which a Dockerfile instruction cannot hold`, hint);
}

/** A POSIX shell word: `'...'` with `'` written as `'\''`; newlines and `<<` are refused. */
export function shellQuote(field: FieldRef, value: string): string {
  assertSingleLine(field, value);
  // Quoted, `<<` is no heredoc to BuildKit, but simpler parsers split words ignoring quotes.
  if (value.includes('<<'))
    throw specInvalid(field, value, 'contains "<<", which Dockerfile parsers may read as a heredoc');
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * A positional argument (package name, URL): quoted, and never starting with "-", which
 * the tool would read as an option (`--index-url=...` smuggled in as a package).
 */
export function shellArgument(field: FieldRef, value: string): string {
  if (value === '') throw specInvalid(field, value, 'is empty');
  if (value.startsWith('-')) {
    throw specInvalid(
      field,
      value,
      'starts with "-", so the installer would read it as an option',
      'Put installer options in pipExtraArgs.',
    );
  }
  return shellQuote(field, value);
}

/**
 * A double-quoted ENV or LABEL value as Docker's parser reads it: inside double quotes only
 * `\"`, `\$` and `\\` are escapes, so escaping exactly those round-trips any value and
 * stops `$VAR` expansion. Newlines have no escape there: rejected.
 */
export function dockerfileQuote(field: FieldRef, value: string): string {
  assertSingleLine(field, value, 'ENV and LABEL values must be a single line.');
  return `"${value.replace(/["$\\]/g, (c) => `\\${c}`)}"`;
}

/**
 * JSON-array (exec) form for ENTRYPOINT, CMD and COPY: no shell, any character is
 * escaped. C1 controls and Unicode line separators are escaped too, so the line stays
 * one line for every reader.
 */
export function jsonArray(values: readonly string[]): string {
  return JSON.stringify(values).replace(/[\u007f-\u009f\u2028\u2029]/gu, (c) => `\\u${codePoint(c).toLowerCase()}`);
}

/**
 * A user command, written as is after `RUN` (shell form is what the user asked for). The
 * rule is spec/grammar.ts's commandRefusal, which spec validation applies too.
 */
export function checkCommand(field: FieldRef, command: string): string {
  const refusal = commandRefusal(command);
  if (refusal) throw specInvalid(field, command, refusal.problem, refusal.fix);
  return command.trim();
}

/** A path inside the image or the build context: spec/grammar.ts's dockerPathRefusal, shared with validation. */
export function checkPath(field: FieldRef, path: string, options: { source?: boolean; spaces?: boolean } = {}): string {
  const refusal = dockerPathRefusal(path, options);
  if (refusal) throw specInvalid(field, path, refusal.problem, refusal.fix);
  return path;
}

/** An absolute POSIX path inside the image. */
export function checkImagePath(field: FieldRef, path: string, options: { spaces?: boolean } = {}): string {
  checkPath(field, path, options);
  if (!path.startsWith('/')) throw specInvalid(field, path, 'is not an absolute path inside the image');
  return path;
}

function codePoint(c: string): string {
  return (c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9._/:-]*$/;

/** An ENV name a shell can read back: letters, digits and "_", not starting with a digit. */
export function checkEnvName(field: FieldRef, name: string): string {
  if (!ENV_NAME.test(name)) {
    throw specInvalid(
      field,
      name,
      'is not a valid environment variable name',
      'Use letters, digits and "_", not starting with a digit.',
    );
  }
  return name;
}

/** A LABEL key, written unquoted: letters, digits, ".", "_", "-", "/" and ":". */
export function checkLabelKey(field: FieldRef, key: string): string {
  if (!LABEL_KEY.test(key)) {
    throw specInvalid(
      field,
      key,
      'is not a valid label key',
      'Use reverse-DNS style keys such as org.example.team (letters, digits, ".", "_", "-", "/", ":").',
    );
  }
  return key;
}
