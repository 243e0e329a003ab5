import { VERIFY_STAGE, type VerifyFailure } from '@imagespec/core/builder';
import { rootCause } from './errors.js';
import type { FailedStep } from './progress.js';

/**
 * Which verify command failed, from the verify solve's failed vertices. BuildKit names a
 * Dockerfile step `[<platform >]<stage> N/M] RUN ...` (the RUN text with variables
 * expanded, so the number, not the text, says which command it was). M counts the
 * stage's FROM when BuildKit gives it a step of its own: the RUNs are always the last
 * `commands.length` steps. Undefined when the failure was not in the verify stage (a step
 * of the image itself, the base image pull, the daemon).
 */
export function findVerifyFailure(
  steps: readonly FailedStep[],
  commands: readonly string[],
  logTail: (stepId: string) => readonly string[],
): VerifyFailure | undefined {
  const step = rootCause(steps);
  const match = step && VERIFY_STEP.exec(step.name);
  if (!step || !match) return undefined;
  const index = Number(match[1]) - 1 - (Number(match[2]) - commands.length);
  const command = commands[index];
  if (command === undefined) return undefined;
  const exitCode = /exit code: (\d+)/.exec(step.error)?.[1];
  return {
    command,
    ...(exitCode !== undefined && { exitCode: Number(exitCode) }),
    output: logTail(step.id).slice(-10),
  };
}

const VERIFY_STEP = new RegExp(`^\\[(?:\\S+ )?${VERIFY_STAGE} +(\\d+)/(\\d+)\\] RUN `);
