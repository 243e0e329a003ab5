import type { ParsedDockerfile } from './instructions.js';
import type { ImageUse } from './stages.js';

/**
 * The Dockerfile sent to the builder: the user's text with each pulled image replaced by
 * its pinned reference (`name:tag@sha256:...` from the lock), ARGs in it already resolved.
 * Only the instructions that name a pinned image change; every other line, comment and
 * blank line stays as written, so build errors still point at the user's lines.
 */
export function pinDockerfileImages(
  text: string,
  parsed: ParsedDockerfile,
  images: readonly ImageUse[],
  pinned: (ref: string) => string,
): string {
  const lines = text.split('\n');
  const byLine = new Map<number, ImageUse[]>();
  for (const image of images) {
    if (pinned(image.ref) === image.ref) continue;
    byLine.set(image.line, [...(byLine.get(image.line) ?? []), image]);
  }
  if (byLine.size === 0) return text;
  for (const instruction of parsed.instructions) {
    const uses = byLine.get(instruction.line);
    if (!uses) continue;
    let args = instruction.args;
    for (const use of uses) {
      const to = pinned(use.ref);
      args =
        use.via === 'FROM'
          ? args.replace(/^((?:--\S+\s+)*)(\S+)/, (_all, flags: string) => `${flags}${to}`)
          : args.replace(
              use.via === 'COPY --from' ? /(--from=)(\S+)/i : /(from=)([^,\s]+)/i,
              (_all, key: string) => `${key}${to}`,
            );
    }
    const crlf = lines[instruction.line - 1]?.endsWith('\r') ? '\r' : '';
    const keyword = lines[instruction.line - 1]?.trimStart().split(/\s/, 1)[0] ?? instruction.keyword;
    lines.splice(
      instruction.line - 1,
      instruction.endLine - instruction.line + 1,
      `${keyword} ${args}${crlf}`,
      // Keep the line count, so later lines keep their numbers in build errors.
      ...Array.from({ length: instruction.endLine - instruction.line }, () => crlf),
    );
  }
  return lines.join('\n');
}
