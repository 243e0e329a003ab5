import { createHash } from 'node:crypto';
import { digestTree, type FileDigest, sha256File, type TreeDigest } from '../context/digest.js';
import type { ExcludedGroup } from '../context/exclusions.js';
import { computeContextLayout } from '../context/layout.js';
import { checkInsideProject, projectRootOf } from '../context/project.js';
import { type StatCache, statCacheFor } from '../context/stat-cache.js';
import type { RequirementsKind, ResolvedImageSpec } from '../contract/spec.js';
import { type DockerfileSource, gatherDockerfileFacts } from '../dockerfile-spec/facts.js';
import { computeDockerfileHashInput, type DockerfileHashInput } from '../dockerfile-spec/hash-input.js';
import { normalizeImageRef } from '../image-ref/image-ref.js';
import { hashOf, imageName, renderTag } from './hash.js';
import { computeHashInput, type HashInput } from './hash-input.js';
import { withField } from './with-field.js';

/** What a spec is, by content: its hash, tag and full image name, and everything that went into them. */
export interface ImageIdentity {
  readonly hash: string;
  readonly tag: string;
  /** `<registry>/<name>:<tag>` (no registry: `<name>:<tag>`). */
  readonly image: string;
  /**
   * The base as it entered the hash: resolveBase(ref), or a base spec's `image`. For a
   * Dockerfile spec: the image the target's first stage starts FROM (pinned), or `scratch`.
   */
  readonly baseImage: string;
  readonly input: HashInput | DockerfileHashInput;
  readonly files: IdentityFiles;
  /** The base spec's identity, when the base is a spec. */
  readonly base?: ImageIdentity;
  /** For a Dockerfile spec: its Dockerfile as read and hashed, and each pulled image as pinned. */
  readonly dockerfile?: DockerfileIdentity;
}

export interface DockerfileIdentity {
  readonly source: DockerfileSource;
  /** Normalized reference -> the reference FROM gets (the lock's `name:tag@digest`, or itself). */
  readonly pinned: Readonly<Record<string, string>>;
}

export interface HashedFileTree {
  /** Absolute path on the build host. */
  readonly src: string;
  /** Absolute POSIX path inside the image. */
  readonly dest: string;
  readonly digest: string;
  /** Every record of the tree digest, sorted by path. */
  readonly files: readonly FileDigest[];
  /** What the ignore rules left out, per rule (not part of the hash). */
  readonly excluded: readonly ExcludedGroup[];
}

export interface IdentityFiles {
  readonly requirements?: { readonly path: string; readonly kind: RequirementsKind; readonly sha256: string };
  readonly copy: readonly HashedFileTree[];
  readonly source?: HashedFileTree;
  /** A Dockerfile spec's Dockerfile, by its bytes. */
  readonly dockerfile?: { readonly path: string; readonly sha256: string };
  /** A Dockerfile spec's context (`dest` is `/`: it is the build's context, not a path in the image). */
  readonly context?: HashedFileTree & { readonly dockerignore: string };
}

export interface IdentityOptions {
  /**
   * Maps a base image reference to what enters the hash (then normalized). Default: the
   * reference as written. The lock file plugs in here (a locked base enters as its digest).
   */
  readonly resolveBase?: (ref: string) => string | Promise<string>;
  readonly signal?: AbortSignal;
  /**
   * Identities computed earlier with the same options (planBuilds keeps one per run): a base
   * spec shared by several specs is read and hashed once, even when each holds its own copy.
   */
  readonly cache?: Map<string, Promise<ImageIdentity>>;
  /**
   * Digests of files whose stat has not changed since they were hashed (stat-cache.ts).
   * Default: the project's cache in the user's cache directory, unless IMAGESPEC_NO_CACHE=1;
   * `false`: hash every file.
   */
  readonly statCache?: StatCache | false;
}

/**
 * Reads what the hash needs from disk (requirements bytes, copy and source trees, through
 * the same listing the build context uses), computes a base spec's identity first, and
 * returns the hash, tag and image name.
 */
export function computeImageIdentity(spec: ResolvedImageSpec, options: IdentityOptions = {}): Promise<ImageIdentity> {
  const { cache } = options;
  if (!cache) return identify(spec, options);
  const key = cacheKey(spec);
  let identity = cache.get(key);
  if (!identity) {
    identity = identify(spec, options);
    cache.set(key, identity);
  }
  return identity;
}

/** Keys already computed: a base spec shared by many specs is keyed once. */
const cacheKeys = new WeakMap<ResolvedImageSpec, string>();

/**
 * Everything an identity depends on: the spec but its builderOptions (never hashed, and not
 * always JSON). A base spec enters as the sha256 of its own key, a fixed 64 characters:
 * embedding its key as a JSON string escaped it again at every level, so a chain of 25
 * images built a key of gigabytes.
 */
function cacheKey(spec: ResolvedImageSpec): string {
  const known = cacheKeys.get(spec);
  if (known !== undefined) return known;
  const { builderOptions: _, baseImage, ...rest } = spec;
  const base =
    typeof baseImage === 'string'
      ? baseImage
      : { spec: createHash('sha256').update(cacheKey(baseImage)).digest('hex') };
  const key = JSON.stringify([rest, base]);
  cacheKeys.set(spec, key);
  return key;
}

async function identify(spec: ResolvedImageSpec, options: IdentityOptions): Promise<ImageIdentity> {
  const { signal } = options;
  signal?.throwIfAborted();
  if (spec.dockerfile) return identifyDockerfile(spec, options);
  const base = typeof spec.baseImage === 'string' ? undefined : await computeImageIdentity(spec.baseImage, options);
  // Normalized, so `python:3.12` and `docker.io/library/python:3.12` are one base and one tag.
  const baseImage = base
    ? base.image
    : normalizeImageRef(
        options.resolveBase ? await options.resolveBase(spec.baseImage as string) : (spec.baseImage as string),
      );
  const layout = computeContextLayout(spec);
  const project = projectRootOf(spec);
  const requirements = spec.requirements;
  const statCache = options.statCache === false ? undefined : (options.statCache ?? statCacheFor(project));
  const digest = (hostPath: string) =>
    digestTree(hostPath, { project, ...(signal && { signal }), ...(statCache && { statCache }) });
  const [requirementsSha256, copy, source] = await Promise.all([
    requirements &&
      withField(
        spec,
        'requirements',
        checkInsideProject(requirements.path, project).then(() =>
          sha256File(requirements.path, { ...(signal && { signal }) }),
        ),
      ),
    Promise.all(layout.copy.map((entry, index) => withField(spec, `copy[${index}]`, digest(entry.hostPath)))),
    layout.source && withField(spec, 'sourceRoot', digest(layout.source.hostPath)),
  ]);
  statCache?.save();
  const input = computeHashInput(spec, {
    baseImage,
    ...(requirementsSha256 !== undefined && { requirementsSha256 }),
    copy,
    ...(source && { source }),
  });
  const hash = hashOf(input);
  const tag = renderTag(spec.tagFormat, hash);
  const tree = (hostPath: string, dest: string, tree: TreeDigest): HashedFileTree => ({
    src: hostPath,
    dest,
    digest: tree.digest,
    files: tree.files,
    excluded: tree.excluded,
  });
  return {
    hash,
    tag,
    image: imageName(spec, tag),
    baseImage,
    input,
    files: {
      ...(spec.requirements &&
        requirementsSha256 !== undefined && { requirements: { ...spec.requirements, sha256: requirementsSha256 } }),
      copy: layout.copy.map((entry, index) => tree(entry.hostPath, entry.dest, copy[index]!)),
      ...(layout.source && source && { source: tree(layout.source.hostPath, layout.source.dest, source) }),
    },
    ...(base && { base }),
  };
}

/** A Dockerfile spec: its Dockerfile's bytes, its context, target, build args, platforms and pulled images. */
async function identifyDockerfile(spec: ResolvedImageSpec, options: IdentityOptions): Promise<ImageIdentity> {
  const { signal } = options;
  const project = projectRootOf(spec);
  const statCache = options.statCache === false ? undefined : (options.statCache ?? statCacheFor(project));
  const facts = await gatherDockerfileFacts(spec, {
    project,
    ...(options.resolveBase && { resolveImage: options.resolveBase }),
    ...(signal && { signal }),
    ...(statCache && { statCache }),
  });
  statCache?.save();
  const { source, context, pinned } = facts;
  const input = computeDockerfileHashInput(spec, {
    dockerfileSha256: source.sha256,
    contextDigest: context.digest,
    images: Object.values(pinned),
  });
  const hash = hashOf(input);
  const tag = renderTag(spec.tagFormat, hash);
  const dockerfile = spec.dockerfile!;
  return {
    hash,
    tag,
    image: imageName(spec, tag),
    baseImage: rootImage(source, pinned),
    input,
    files: {
      copy: [],
      dockerfile: { path: source.path, sha256: source.sha256 },
      context: {
        src: dockerfile.context,
        dest: '/',
        digest: context.digest,
        files: context.files,
        excluded: context.excluded,
        dockerignore: facts.dockerignore,
      },
    },
    dockerfile: { source, pinned },
  };
}

/** The image the target's first stage starts FROM, following `FROM <stage>` back. */
function rootImage(source: DockerfileSource, pinned: Readonly<Record<string, string>>): string {
  let stage = source.stages.target;
  while (stage.fromStage !== undefined) stage = source.stages.stages[stage.fromStage]!;
  const from = source.stages.images.find((image) => image.line === stage.line && image.via === 'FROM');
  return from ? (pinned[from.ref] ?? from.ref) : 'scratch';
}
