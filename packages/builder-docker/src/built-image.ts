import { ImagespecError } from '@imagespec/core/builder';
import type Docker from 'dockerode';
import { buildFailed } from './engine-errors.js';
import type { BuildOutcome } from './progress/build-stream.js';

/**
 * The image id a build's stream ended with, or the error it means. A stream that was cut or
 * aborted leaves the classic builder's intermediate containers behind: they are removed.
 */
export async function builtImage(
  docker: Docker,
  image: string,
  outcome: BuildOutcome,
  signal: AbortSignal,
): Promise<string> {
  if (signal.aborted || outcome.streamError) {
    await removeContainers(docker, outcome.containers);
    if (signal.aborted) throw signal.reason;
    throw outcome.streamError;
  }
  if (outcome.error) throw buildFailed(image, outcome.error);
  if (!outcome.imageId) {
    throw new ImagespecError(
      'DAEMON_ERROR',
      `The Docker engine ended the build of ${image} without an image id or an error.`,
      {
        hint: 'Check the engine log; the connection may have been cut.',
      },
    );
  }
  return outcome.imageId;
}

async function removeContainers(docker: Docker, ids: readonly string[]): Promise<void> {
  await Promise.all(
    ids.map((id) =>
      docker
        .getContainer(id)
        .remove({ force: true })
        .catch(() => undefined),
    ),
  );
}
