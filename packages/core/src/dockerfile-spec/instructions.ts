/**
 * A Dockerfile as its instructions, the way BuildKit's parser reads it: parser directives
 * (`# escape=`) at the top, comments and blank lines dropped, lines joined at the escape
 * character, each instruction with the line it starts on. Only what imagespec needs to
 * know of a user's Dockerfile (its ARGs and the images it names) is read from this; the
 * file itself goes to the builder unchanged but for pinned FROM images.
 */
export interface Instruction {
  /** Upper-cased keyword (`FROM`, `ARG`, `COPY`...). */
  readonly keyword: string;
  /** Everything after the keyword, continuation lines joined, trimmed. */
  readonly args: string;
  /** 1-based line of the keyword. */
  readonly line: number;
  /** 1-based line the instruction ends on (continuations included). */
  readonly endLine: number;
}

export interface ParsedDockerfile {
  readonly escapeChar: '\\' | '`';
  readonly instructions: readonly Instruction[];
}

const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.*?)\s*$/;

export function parseInstructions(text: string): ParsedDockerfile {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let escapeChar: '\\' | '`' = '\\';
  let index = 0;
  // Parser directives: only at the very top, before any comment, blank line or instruction.
  for (; index < lines.length; index++) {
    const match = DIRECTIVE.exec(lines[index] ?? '');
    if (!match) break;
    if (match[1]?.toLowerCase() === 'escape' && (match[2] === '`' || match[2] === '\\')) escapeChar = match[2];
  }
  const instructions: Instruction[] = [];
  let pending: { line: number; endLine: number; text: string } | undefined;
  for (; index < lines.length; index++) {
    const raw = lines[index] ?? '';
    const trimmed = raw.trim();
    // Comments and blank lines are dropped, also between continuation lines.
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const continues = trimmed.endsWith(escapeChar);
    const body = continues ? trimmed.slice(0, -1) : trimmed;
    pending = pending
      ? { line: pending.line, endLine: index + 1, text: `${pending.text.trimEnd()} ${body.trim()}` }
      : { line: index + 1, endLine: index + 1, text: body };
    if (continues) continue;
    instructions.push(toInstruction(pending));
    pending = undefined;
  }
  if (pending) instructions.push(toInstruction(pending));
  return { escapeChar, instructions };
}

function toInstruction(pending: { line: number; endLine: number; text: string }): Instruction {
  const text = pending.text.trim();
  const space = text.search(/\s/);
  const keyword = (space === -1 ? text : text.slice(0, space)).toUpperCase();
  return {
    keyword,
    args: space === -1 ? '' : text.slice(space + 1).trim(),
    line: pending.line,
    endLine: pending.endLine,
  };
}
