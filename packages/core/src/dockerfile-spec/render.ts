import { HASH_LABEL } from '../dockerfile/hash-label.js';
import { assertSingleLine, checkLabelKey, dockerfileQuote, type FieldRef, specInvalid } from '../dockerfile/quote.js';
import { IMAGE_STAGE } from '../dockerfile/verify-stage.js';
import { ImagespecError } from '../errors.js';
import type { Instruction, ParsedDockerfile } from './instructions.js';
import { pinInstructionImages, rewriteInstructions } from './pin.js';
import { type DockerfileStages, splitWords } from './stages.js';

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
  /** The spec's buildArgs: written as the defaults of the ARGs that declare them. */
  readonly buildArgs?: Readonly<Record<string, string>>;
  /** The spec's labels, set in the appended stage next to the hash label. */
  readonly labels?: Readonly<Record<string, string>>;
  /** For messages about a label or build arg: the spec's name and file. */
  readonly field?: Omit<FieldRef, 'path'>;
}

/**
 * The Dockerfile a builder gets for a spec that brings its own (pure): the user's file with
 * its pulled images pinned, and one stage appended, built FROM the target, that adds the
 * hash label. So the image is always the last stage, named `imagespec-image` as in rendered
 * Dockerfiles: a builder needs no `--target`, and the verify stage goes after it the same
 * way for every spec. The user's lines keep their numbers, so build errors point at them.
 *
 * The spec's buildArgs are written into the file as the defaults of every `ARG` that
 * declares them (quoted, so `$` is not expanded, as a `--build-arg` value is not): the same
 * meaning as `--build-arg`, and a builder needs no build-arg option of its own.
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
  const field = (path: string): FieldRef => ({ ...input.field, path });
  const buildArgs = input.buildArgs ?? {};
  const text = rewriteInstructions(input.text, input.parsed, (instruction) => {
    if (instruction.keyword === 'ARG') return withBuildArgs(instruction, buildArgs, input.parsed.escapeChar, field);
    const isTarget = instruction.line === stages.target.line && stages.target.name === undefined;
    const pins = pinnedImages.some((image) => image.line === instruction.line);
    if (!isTarget && !pins) return undefined;
    const args = pins ? pinInstructionImages(instruction, pinnedImages, input.pinned) : instruction.args;
    return isTarget ? `${args} AS ${TARGET_STAGE}` : args;
  });
  const body = text.endsWith('\n') ? text : `${text}\n`;
  const labels = [`${HASH_LABEL}="${input.hash}"`];
  for (const [key, value] of Object.entries(input.labels ?? {})) {
    const ref = field(`labels.${key}`);
    if (key === HASH_LABEL)
      throw specInvalid(ref, value, `uses the label ${HASH_LABEL}, which imagespec sets to the content hash`);
    labels.push(`${checkLabelKey(ref, key)}=${dockerfileQuote(ref, value)}`);
  }
  return `${body}FROM ${target} AS ${IMAGE_STAGE}\n${labels.map((label) => `LABEL ${label}\n`).join('')}`;
}

/** An ARG instruction with each declared build arg's default set to the spec's value; undefined when none is. */
function withBuildArgs(
  instruction: Instruction,
  buildArgs: Readonly<Record<string, string>>,
  escapeChar: string,
  field: (path: string) => FieldRef,
): string | undefined {
  let changed = false;
  const words = splitWords(instruction.args).map((word) => {
    const name = word.split('=', 1)[0] as string;
    if (!Object.hasOwn(buildArgs, name)) return word;
    changed = true;
    const value = buildArgs[name] as string;
    assertSingleLine(field(`buildArgs.${name}`), value, 'A build arg must be a single line.');
    // In double quotes only `"`, `$` and the escape character are special.
    return `${name}="${value.replace(/["$]|\\|`/g, (c) => (c === '"' || c === '$' || c === escapeChar ? `${escapeChar}${c}` : c))}"`;
  });
  return changed ? words.join(' ') : undefined;
}
