import type Docker from 'dockerode';
import { splitImageName } from './image-name.js';

/**
 * Names a built image once it passed verify. Until then the engine knows it by id only
 * (the build has no `t`), so an image that failed verify, or whose run was cancelled
 * midway, never carries the content tag: the next run cannot take it for a finished build.
 */
export async function tagImage(docker: Docker, imageId: string, image: string): Promise<void> {
  const { repository, tag } = splitImageName(image);
  await docker.getImage(imageId).tag({ repo: repository, tag });
}

/**
 * Removes the image of a build that will not be tagged, unless something names it: the
 * same content built before under a tag is someone's image, not this run's leftover.
 */
export async function discardUntagged(docker: Docker, imageId: string): Promise<void> {
  try {
    const info = await docker.getImage(imageId).inspect();
    if ((info.RepoTags ?? []).length > 0) return;
    // force: the engine may still be auto-removing a verify container of this image.
    await docker.getImage(imageId).remove({ force: true, noprune: true });
  } catch {
    // Gone already: nothing to clean up.
  }
}
