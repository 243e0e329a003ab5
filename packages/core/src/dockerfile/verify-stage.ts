import type { ResolvedImageSpec } from '../contract/spec.js';
import { ImagespecError } from '../errors.js';
import { checkCommand } from './quote.js';

/**
 * The spec's verify commands as a Dockerfile stage, for builders that run them inside the
 * build itself (BuildKit, Kaniko) instead of in containers of the built image (Docker).
 * The rendered Dockerfile has one unnamed stage; this names it and appends a stage built
 * FROM it with one RUN per verify command:
 *
 *     FROM <base> AS imagespec-image
 *     ...                                  (the image, unchanged)
 *     FROM imagespec-image AS imagespec-verify
 *     RUN <verify[0]>
 *
 * A spec's own Dockerfile (renderUserDockerfile) already ends in a stage named
 * `imagespec-image`: the verify stage is appended after it the same way.
 *
 * A RUN runs like the Docker builder's verify container: `/bin/sh -c` as the image's USER,
 * in its WORKDIR, with its ENV, ENTRYPOINT ignored. The builder solves the verify stage
 * first and pushes the image stage only when it passed; the verify stage is never pushed.
 * Commands are checked as `commands` are: a verify command can add no instruction.
 */

export const IMAGE_STAGE = 'imagespec-image';
export const VERIFY_STAGE = 'imagespec-verify';

const FROM_LINE = /^FROM [^\n]*$/gm;

/** The Dockerfile with the verify stage; unchanged when the spec has no verify commands. Pure. */
export function renderVerifyStage(
  dockerfile: string,
  spec: Pick<ResolvedImageSpec, 'name' | 'origin' | 'verify'>,
): string {
  if (spec.verify.length === 0) return dockerfile;
  const froms = dockerfile.match(FROM_LINE) ?? [];
  // A spec's own Dockerfile comes with its last stage named already (renderUserDockerfile).
  if (new RegExp(`^FROM \\S+ AS ${IMAGE_STAGE}$`).test(froms[froms.length - 1] ?? '')) {
    const body = dockerfile.endsWith('\n') ? dockerfile : `${dockerfile}\n`;
    return `${body}FROM ${IMAGE_STAGE} AS ${VERIFY_STAGE}\n${verifyRunLines(spec).join('\n')}\n`;
  }
  if (froms.length !== 1 || !dockerfile.startsWith('FROM ') || /\sAS\s/i.test(froms[0] as string)) {
    throw new ImagespecError(
      'INTERNAL',
      `Cannot add the verify stage for spec ${JSON.stringify(spec.name)}: its Dockerfile does not have exactly one unnamed stage.`,
    );
  }
  const runs = verifyRunLines(spec);
  const [first, ...rest] = dockerfile.split('\n');
  const body = [`${first} AS ${IMAGE_STAGE}`, ...rest].join('\n');
  return `${body.endsWith('\n') ? body : `${body}\n`}FROM ${IMAGE_STAGE} AS ${VERIFY_STAGE}\n${runs.join('\n')}\n`;
}

/**
 * The verify stage's RUN lines, one per command in order, as the builder's log names the
 * steps (`RUN python -c 'import app'`). Throws SPEC_INVALID for a command that would
 * add an instruction.
 */
export function verifyRunLines(spec: Pick<ResolvedImageSpec, 'name' | 'origin' | 'verify'>): string[] {
  const where = { spec: spec.name, ...(spec.origin.file !== undefined && { file: spec.origin.file }) };
  return spec.verify.map((command, index) => `RUN ${checkCommand({ ...where, path: `verify[${index}]` }, command)}`);
}

export interface VerifyFailure {
  /** The command as the spec wrote it. */
  readonly command: string;
  readonly exitCode?: number;
  /** The command's last output lines. */
  readonly output: readonly string[];
}

/** The error every builder ends a failed verify with: the command, its exit code and output, nothing pushed. */
export function verifyFailedError(image: string, failure: VerifyFailure, where?: string): ImagespecError {
  const exit = failure.exitCode === undefined ? 'failed' : `exited with ${failure.exitCode}`;
  const output =
    failure.output.length === 0 ? '' : `\nLast output:\n${failure.output.map((line) => `  ${line}`).join('\n')}`;
  return new ImagespecError(
    'VERIFY_FAILED',
    `Verify command \`${failure.command}\` ${exit} in ${image}${where ? ` (${where})` : ''}; nothing was pushed.${output}`,
    { hint: 'Fix the image (packages, commands) or the verify command in the spec.', details: { ...failure } },
  );
}
