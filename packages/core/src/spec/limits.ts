/**
 * Limits on what a spec file may hold. Real specs stay far below them; they exist so a
 * hostile or runaway file (a YAML alias bomb, a generated map of 100k variables) is
 * refused at once, naming the limit, instead of eating memory and minutes.
 */

/** A spec file's size. Real spec files are a few KB; 10,000 env entries fit in 150 KB. The YAML parser
 * takes about a second per 250 KB of tiny entries on a CI machine, so this bounds the wait too. */
export const MAX_SPEC_FILE_BYTES = 256 * 1024;

/** Values a file may produce through YAML aliases (`*anchor`), counted as they are expanded. */
export const MAX_ALIAS_VALUES = 10_000;

/** Entries of one list or map field (packages, env, labels, commands, ...). */
export const MAX_FIELD_ENTRIES = 10_000;

/**
 * Lists and maps inside lists and maps. A spec needs a few levels; the limit is checked
 * without recursion before anything reads the values, so a deep file is refused the same
 * way whatever stack the process has left (the parser's own overflow is the last resort).
 */
export const MAX_NESTING_DEPTH = 64;

/** Problems listed in one error (the count says how many more there are). */
export const MAX_ISSUES_SHOWN = 50;

export function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
}

/** A long key or value in a message: its first characters and its length (a key can be as long as the file). */
export function shortened(text: string): string {
  return text.length <= 80 ? text : `${text.slice(0, 60)}… (${text.length.toLocaleString('en-US')} characters)`;
}
