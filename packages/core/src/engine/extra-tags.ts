import type { BuildEvent } from '../contract/events.js';
import type { RegistryBlobClient } from '../contract/registry-api.js';
import { ImagespecError } from '../errors.js';
import { imageName } from '../hash/hash.js';
import { renderTagTemplate, usesGit } from '../spec/tag-template.js';
import { gitCommit } from './git-commit.js';
import type { PlannedImage } from './plan.js';

export type RetagClient = Pick<RegistryBlobClient, 'getManifest' | 'putManifest'>;

/**
 * Every planned image's extra tags (`tags`), rendered before anything is built so that a
 * spec that cannot have them stops the run as bad input. Keyed by the image (content tag);
 * a tag equal to the content tag is left out, it is there already.
 */
export async function renderExtraTags(
  planned: readonly PlannedImage[],
  readCommit: (dir: string) => Promise<string> = gitCommit,
): Promise<Map<string, readonly string[]>> {
  const commits = new Map<string, Promise<string>>();
  const rendered = new Map<string, readonly string[]>();
  for (const { spec, identity } of planned) {
    if (spec.tags.length === 0) continue;
    if (spec.registry === undefined) {
      throw new ImagespecError(
        'SPEC_INVALID',
        `Image spec \`${spec.name}\`${spec.origin.file ? ` in ${spec.origin.file}` : ''} has \`tags\` but no registry: extra tags are put on the image in a registry, and a local image has none to put them on.`,
        {
          hint: 'Set `registry` in the spec (or `defaults.registry` in the config), or remove `tags`.',
          details: { ...(spec.origin.file && { file: spec.origin.file }) },
        },
      );
    }
    const dir = spec.origin.dir;
    const gitSha = spec.tags.some(usesGit)
      ? await (commits.get(dir) ?? commits.set(dir, readCommit(dir)).get(dir))
      : undefined;
    const tags = spec.tags.map((template) =>
      renderTagTemplate(template, { hash: identity.hash, ...(gitSha && { gitSha }) }),
    );
    rendered.set(
      identity.image,
      [...new Set(tags)].filter((tag) => tag !== identity.tag),
    );
  }
  return rendered;
}

/**
 * A registry-side retag: the content tag's manifest, bytes and media type as they are, PUT
 * under each extra tag, so every tag names the same digest and nothing is rebuilt or pulled.
 * Returns the image references put.
 */
export async function putExtraTags(
  client: RetagClient,
  item: PlannedImage,
  tags: readonly string[],
  options: { readonly signal: AbortSignal; readonly emit: (event: BuildEvent) => void },
): Promise<string[]> {
  const { image } = item.identity;
  const manifest = await client.getManifest(image, { signal: options.signal });
  const put: string[] = [];
  for (const tag of tags) {
    const alias = imageName(item.spec, tag);
    await client.putManifest(alias, { mediaType: manifest.mediaType, body: manifest.body }, { signal: options.signal });
    options.emit({ type: 'log', image, spec: item.spec.name, stream: 'stdout', line: `tagged ${alias}` });
    put.push(alias);
  }
  return put;
}
