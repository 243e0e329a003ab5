import { parseImageRef } from '../image-ref/image-ref.js';
import type { LockFile } from '../lock/lock-file.js';
import type { ParsedDockerfile } from './instructions.js';
import type { DockerfileStages } from './stages.js';

export type DockerfileLintRule = 'dockerfile-mutable-base' | 'dockerfile-unlocked-base' | 'dockerfile-add-url';

/** A finding at a line of the user's Dockerfile. */
export interface DockerfileFinding {
  readonly rule: DockerfileLintRule;
  readonly line: number;
  readonly message: string;
}

/**
 * What a Dockerfile spec's tag cannot see (pure): a pulled image with no tag or `latest` and
 * no lock entry (the same tag may then build other bytes), any pulled image not in the lock,
 * and `ADD <url>` (content fetched at build time, outside the hash).
 */
export function lintDockerfile(
  parsed: ParsedDockerfile,
  stages: DockerfileStages,
  lock: LockFile,
): DockerfileFinding[] {
  const findings: DockerfileFinding[] = [];
  const seen = new Set<string>();
  for (const image of stages.images) {
    const ref = parseImageRef(image.ref);
    if (ref.digest || lock.images[image.ref]) continue;
    const key = `${image.line}:${image.ref}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const untagged = !/:[^/]+$/.test(image.written.split('@')[0] ?? '') || ref.tag === 'latest';
    findings.push(
      untagged
        ? {
            rule: 'dockerfile-mutable-base',
            line: image.line,
            message: `${image.via} ${image.written} has no tag or is latest, and the lock does not pin it: the same tag can build different images. Name a version and run \`imagespec lock\`.`,
          }
        : {
            rule: 'dockerfile-unlocked-base',
            line: image.line,
            message: `${image.via} ${image.written} is not in imagespec.lock.json: a moved tag changes the image but not its tag. Run \`imagespec lock\` to pin it.`,
          },
    );
  }
  for (const instruction of parsed.instructions) {
    if (instruction.keyword !== 'ADD') continue;
    const sources = instruction.args
      .split(/\s+/)
      .filter((word) => !word.startsWith('--'))
      .slice(0, -1);
    for (const source of sources) {
      if (/^(https?|git):\/\/|^git@|\.git(#|$)/i.test(source)) {
        findings.push({
          rule: 'dockerfile-add-url',
          line: instruction.line,
          message: `ADD ${source} fetches content at build time, which the tag does not cover: a change there keeps the tag. Download it into the context (or pin it with ADD --checksum=sha256:...).`,
        });
      }
    }
  }
  return findings.filter(
    (finding) =>
      finding.rule !== 'dockerfile-add-url' ||
      !/--checksum=sha256:/.test(parsed.instructions.find((i) => i.line === finding.line)?.args ?? ''),
  );
}
