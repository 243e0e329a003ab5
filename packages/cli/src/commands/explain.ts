import { renderExplain } from '@imagespec/core/hash';
import type { CliIo } from '../io.js';
import { loadImage } from '../project.js';

/** `imagespec explain`: the whole hash input, so a user can see why a tag changed. */
export async function explainCommand(
  io: CliIo,
  options: { config?: string; specs: string[]; image?: string; json?: boolean },
): Promise<void> {
  const { identity } = await loadImage(io, options);
  if (options.json) {
    io.stdout.write(
      `${JSON.stringify({ image: identity.image, hash: identity.hash, input: identity.input, files: identity.files }, null, 2)}\n`,
    );
    return;
  }
  io.stdout.write(renderExplain(identity));
}
