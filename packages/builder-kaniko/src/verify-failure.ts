import {
  type BuildRequest,
  IMAGE_STAGE,
  type ImagespecError,
  VERIFY_STAGE,
  verifyFailedError,
  verifyRunLines,
} from '@imagespec/core/builder';

/**
 * The verify pod's build failure as VERIFY_FAILED when its failing step is a RUN of the
 * verify stage: Kaniko names a step by its Dockerfile line (`RUN python -c 'import app'`),
 * so the line says which command failed. Undefined for any other failure (a step of the
 * image, the base image, the cluster), and when the image stage has the same RUN line,
 * since a command the image also runs fails there first.
 */
export function verifyFailureOf(
  error: ImagespecError,
  request: Pick<BuildRequest, 'image' | 'spec'>,
  dockerfile: string,
): ImagespecError | undefined {
  const details = error.details ?? {};
  const step = details.failedStep;
  if (error.code !== 'BUILD_FAILED' || typeof step !== 'string') return undefined;
  const index = verifyRunLines(request.spec).indexOf(step);
  const command = request.spec.verify[index];
  const imageStage = dockerfile.slice(0, dockerfile.indexOf(`\nFROM ${IMAGE_STAGE} AS ${VERIFY_STAGE}\n`));
  if (command === undefined || imageStage.split('\n').includes(step)) return undefined;
  return verifyFailedError(
    request.image,
    {
      command,
      ...(typeof details.exitCode === 'number' && { exitCode: details.exitCode }),
      output: Array.isArray(details.stepOutput) ? details.stepOutput.slice(-10) : [],
    },
    typeof details.pod === 'string' ? `Kaniko pod ${details.namespace}/${details.pod}` : undefined,
  );
}
