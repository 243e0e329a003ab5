import type { Instruction, ParsedDockerfile } from './instructions.js';
import type { ImageUse } from './stages.js';

/**
 * Rewrites instructions in place (pure): `rewrite` returns new arguments for an
 * instruction, or undefined to keep it. A rewritten instruction becomes one line and the
 * lines it spanned stay as blank lines, so every later line keeps its number and build
 * errors still point at the user's lines. Everything else (comments, blank lines) is kept.
 */
export function rewriteInstructions(
  text: string,
  parsed: ParsedDockerfile,
  rewrite: (instruction: Instruction) => string | undefined,
): string {
  const lines = text.split('\n');
  let changed = false;
  for (const instruction of parsed.instructions) {
    const args = rewrite(instruction);
    if (args === undefined || args === instruction.args) continue;
    changed = true;
    const first = lines[instruction.line - 1] ?? '';
    const crlf = first.endsWith('\r') ? '\r' : '';
    const keyword = first.trimStart().split(/\s/, 1)[0] || instruction.keyword;
    lines.splice(
      instruction.line - 1,
      instruction.endLine - instruction.line + 1,
      `${keyword} ${args}${crlf}`,
      ...Array.from({ length: instruction.endLine - instruction.line }, () => crlf),
    );
  }
  return changed ? lines.join('\n') : text;
}

/** The arguments of an instruction with the images it pulls replaced by their pinned references. */
export function pinInstructionImages(
  instruction: Instruction,
  images: readonly ImageUse[],
  pinned: (ref: string) => string,
): string {
  let args = instruction.args;
  for (const use of images) {
    if (use.line !== instruction.line) continue;
    const to = pinned(use.ref);
    if (to === use.ref) continue;
    args =
      use.via === 'FROM'
        ? args.replace(/^((?:--\S+\s+)*)(\S+)/, (_all, flags: string) => `${flags}${to}`)
        : args.replace(
            use.via === 'COPY --from' ? /(--from=)(\S+)/i : /(from=)([^,\s]+)/i,
            (_all, key: string) => `${key}${to}`,
          );
  }
  return args;
}

/**
 * The Dockerfile with each pulled image replaced by its pinned reference (`name:tag@sha256:...`
 * from the lock), ARGs in those references resolved; unchanged when nothing is pinned.
 */
export function pinDockerfileImages(
  text: string,
  parsed: ParsedDockerfile,
  images: readonly ImageUse[],
  pinned: (ref: string) => string,
): string {
  const affected = images.filter((image) => pinned(image.ref) !== image.ref);
  if (affected.length === 0) return text;
  return rewriteInstructions(text, parsed, (instruction) =>
    affected.some((image) => image.line === instruction.line)
      ? pinInstructionImages(instruction, affected, pinned)
      : undefined,
  );
}
