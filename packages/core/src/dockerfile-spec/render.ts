import { HASH_LABEL } from '../dockerfile/hash-label.js';
import { IMAGE_STAGE } from '../dockerfile/verify-stage.js';
import { ImagespecError } from '../errors.js';
import type { ParsedDockerfile } from './instructions.js';
import { pinInstructionImages, rewriteInstructions } from './pin.js';
import type { DockerfileStages } from './stages.js';

/** What a stage is called when the target has no `AS name` of its own. */
export const TARGET_STAGE = 'imagespec-target';

export interface RenderUserDockerfileInput {
  /** The user's Dockerfile as read. */
  readonly text: string;
  /** For messages. */
  readonly file: string;
  readonly parsed: ParsedDockerfile;
  readonly stages: DockerfileStages;
  /** A pulled image's pinned reference (the lock's digest), or the reference itself. */
  readonly pinned: (ref: string) => string;
  readonly hash: string;
}

/**
 * The Dockerfile a builder gets for a spec that brings its own (pure): the user's file with
 * its pulled images pinned, and one stage appended, built FROM the target, that adds the
 * hash label. So the image is always the last stage, named `imagespec-image` as in rendered
 * Dockerfiles: a builder needs no `--target`, and the verify stage goes after it the same
 * way for every spec. The user's lines keep their numbers, so build errors point at them.
 */
export function renderUserDockerfile(input: RenderUserDockerfileInput): string {
  const { stages } = input;
  for (const stage of stages.stages) {
    if (stage.name?.startsWith('imagespec-')) {
      throw new ImagespecError(
        'SPEC_INVALID',
        `${input.file}:${stage.line}: the stage name "${stage.name}" is reserved: imagespec adds stages named imagespec-*.`,
        { hint: 'Rename the stage (and the --from= and FROM lines that name it).' },
      );
    }
  }
  const pinnedImages = stages.images.filter((image) => input.pinned(image.ref) !== image.ref);
  const target = stages.target.name ?? TARGET_STAGE;
  const text = rewriteInstructions(input.text, input.parsed, (instruction) => {
    const isTarget = instruction.line === stages.target.line && stages.target.name === undefined;
    const pins = pinnedImages.some((image) => image.line === instruction.line);
    if (!isTarget && !pins) return undefined;
    const args = pins ? pinInstructionImages(instruction, pinnedImages, input.pinned) : instruction.args;
    return isTarget ? `${args} AS ${TARGET_STAGE}` : args;
  });
  const body = text.endsWith('\n') ? text : `${text}\n`;
  return `${body}FROM ${target} AS ${IMAGE_STAGE}\nLABEL ${HASH_LABEL}="${input.hash}"\n`;
}
