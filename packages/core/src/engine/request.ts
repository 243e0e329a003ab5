import { contextSyncEntries } from '../context/entries.js';
import { DOCKERFILE_PATH, DOCKERFILE_SPEC_PATH } from '../context/layout.js';
import { createContextStream } from '../context/tar.js';
import type { BuildRequest, DockerfileDialect } from '../contract/builder.js';
import type { BuildEvent } from '../contract/events.js';
import { renderSpecDockerfile } from '../dockerfile-spec/spec-dockerfile.js';
import type { PlannedImage } from './plan.js';

/**
 * The request a builder gets for one image: the Dockerfile rendered on demand (once per
 * dialect), a fresh context stream (or listing of entries) per call, both checked against
 * the files the tag was computed from, and an event sink that stamps each event with the
 * image and spec name.
 */
export function buildRequest(
  item: PlannedImage,
  context: {
    baseImage: string;
    push: boolean;
    signal: AbortSignal;
    emit: (event: BuildEvent) => void;
    /** The configured registry mirrors (RegistryAccess.mirror), for the images a spec's own Dockerfile pulls. */
    mirror?: (reference: string) => string;
  },
): BuildRequest {
  const { spec, identity } = item;
  const mirror = context.mirror ?? ((reference: string) => reference);
  const dockerfiles = new Map<DockerfileDialect, string>();
  const dockerfile = (dialect: DockerfileDialect): string => {
    let text = dockerfiles.get(dialect);
    if (text === undefined) {
      text = renderSpecDockerfile(spec, identity, { dialect, baseImage: context.baseImage, mirror });
      dockerfiles.set(dialect, text);
    }
    return text;
  };
  return {
    spec,
    image: identity.image,
    hash: identity.hash,
    baseImage: context.baseImage,
    pulls: 'kind' in identity.input ? identity.input.images.map(mirror) : [context.baseImage],
    push: context.push,
    platforms: spec.platforms,
    secrets: spec.pipSecretMounts,
    dockerfile,
    dockerfilePath: spec.dockerfile ? DOCKERFILE_SPEC_PATH : DOCKERFILE_PATH,
    context: (options) =>
      createContextStream(
        spec,
        options.dockerfile === false
          ? false
          : typeof options.dockerfile === 'string'
            ? options.dockerfile
            : dockerfile(options.dialect),
        {
          ...(options.gzip && { gzip: true }),
          signal: context.signal,
          // The tag was computed from these files: a file changed since fails the stream, so nothing is pushed under it.
          expected: identity.files,
        },
      ),
    contextEntries: () => contextSyncEntries(spec, { expected: identity.files, signal: context.signal }),
    events: { emit: (event) => context.emit({ ...event, image: identity.image, spec: spec.name }) },
    signal: context.signal,
  };
}
