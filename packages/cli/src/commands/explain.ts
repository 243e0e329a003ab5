import { renderSplitExplain, splitSpec } from '@imagespec/core/engine';
import { computeImageIdentity, renderExplain } from '@imagespec/core/hash';
import { createBaseResolver } from '@imagespec/core/lock';
import type { CliIo } from '../io.js';
import { loadImage } from '../project.js';

/** `imagespec explain`: the whole hash input, so a user can see why a tag changed. */
export async function explainCommand(
  io: CliIo,
  options: { config?: string; specs: string[]; image?: string; json?: boolean },
): Promise<void> {
  const { project, spec, identity } = await loadImage(io, options);
  // A spec pushed with builder-oci beside a daemon builder is built in two parts: show the first one's identity too.
  const cut = spec.registry === undefined ? undefined : splitSpec(spec);
  const base =
    cut &&
    (await computeImageIdentity(cut.base, {
      resolveBase: await createBaseResolver(project.config),
      signal: io.signal,
    }));
  if (options.json) {
    io.stdout.write(
      `${JSON.stringify(
        {
          image: identity.image,
          hash: identity.hash,
          input: identity.input,
          files: identity.files,
          ...(base && { split: { base: { image: base.image, hash: base.hash, input: base.input } } }),
        },
        null,
        2,
      )}\n`,
    );
    return;
  }
  io.stdout.write(renderExplain(identity) + (base ? `\n${renderSplitExplain(identity, base)}` : ''));
}
