import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { digestTree, type TreeDigest } from '../context/digest.js';
import { checkInsideProject, isInside } from '../context/project.js';
import type { StatCache } from '../context/stat-cache.js';
import type { ResolvedDockerfile, ResolvedImageSpec } from '../contract/spec.js';
import { ImagespecError, isImagespecError } from '../errors.js';
import { fileError } from '../fs/file-error.js';
import { readRegularFile } from '../fs/read-regular-file.js';
import { fieldError, withField } from '../hash/with-field.js';
import { normalizeImageRef } from '../image-ref/image-ref.js';
import { type ParsedDockerfile, parseInstructions } from './instructions.js';
import { analyzeStages, type DockerfileStages, type ImageUse } from './stages.js';

/** A Dockerfile spec's Dockerfile as read once: its bytes are what is hashed and what the builder gets. */
export interface DockerfileSource {
  /** Absolute path on the build host. */
  readonly path: string;
  readonly text: string;
  readonly sha256: string;
  readonly parsed: ParsedDockerfile;
  /** The stages as the first platform (or the builder's default) sees them: what is rendered. */
  readonly stages: DockerfileStages;
  /** The images the target needs on any of the spec's platforms (TARGETARCH may differ), in file order. */
  readonly images: readonly ImageUse[];
}

export interface DockerfileFacts {
  readonly source: DockerfileSource;
  /** The context as listed and hashed (the tree the build gets). */
  readonly context: TreeDigest;
  /** The ignore file that applied: `<Dockerfile>.dockerignore` when it exists, else the context's `.dockerignore`. */
  readonly dockerignore: string;
  /** Each normalized image reference -> what enters the hash and the FROM line (the lock's digest form, or itself). */
  readonly pinned: Readonly<Record<string, string>>;
}

export interface DockerfileFactsOptions {
  readonly project: string;
  readonly resolveImage?: (ref: string) => string | Promise<string>;
  readonly signal?: AbortSignal;
  readonly statCache?: StatCache;
}

/**
 * Reads a Dockerfile spec's Dockerfile (inside the project), analyses its stages with the
 * spec's buildArgs, target and platforms, pins the images the target pulls through
 * `resolveImage` (the lock), and digests the context with the same walk as any copied tree,
 * reading `<Dockerfile>.dockerignore` instead of the context's `.dockerignore` when it
 * exists, as Docker does. Problems name the spec's field and where it is written, and a
 * Dockerfile problem its file:line.
 */
export async function gatherDockerfileFacts(
  spec: ResolvedImageSpec,
  options: DockerfileFactsOptions,
): Promise<DockerfileFacts> {
  const dockerfile = spec.dockerfile as ResolvedDockerfile;
  const { project, signal } = options;
  const dockerignore = await chooseDockerignore(dockerfile);
  const [source, context] = await Promise.all([
    readDockerfileSource(spec, project),
    withField(
      spec,
      'context',
      checkContext(dockerfile.context, project).then(() =>
        digestTree(dockerfile.context, {
          project,
          dockerignore,
          ...(signal && { signal }),
          ...(options.statCache && { statCache: options.statCache }),
        }),
      ),
    ),
  ]);
  const pinned: Record<string, string> = {};
  for (const image of source.images) {
    if (pinned[image.ref] !== undefined) continue;
    pinned[image.ref] = options.resolveImage ? normalizeImageRef(await options.resolveImage(image.ref)) : image.ref;
  }
  return { source, context, dockerignore, pinned };
}

/**
 * The spec's Dockerfile read (it must be inside the project) and analysed for each of the
 * spec's platforms: what the hash, the lock and lint read of it.
 */
export function readDockerfileSource(spec: ResolvedImageSpec, project: string): Promise<DockerfileSource> {
  return withField(spec, 'dockerfile', readSource(spec, spec.dockerfile as ResolvedDockerfile, project));
}

async function readSource(
  spec: ResolvedImageSpec,
  dockerfile: ResolvedDockerfile,
  project: string,
): Promise<DockerfileSource> {
  await insideProject(dockerfile.path, project, 'Dockerfile');
  const bytes = await readRegularFile(dockerfile.path).catch((error) => {
    throw isImagespecError(error) ? error : fileError(error, dockerfile.path);
  });
  const text = bytes.toString('utf8');
  const parsed = parseInstructions(text);
  const platforms: (string | undefined)[] = spec.platforms.length > 0 ? [...spec.platforms] : [undefined];
  const analyses = platforms.map((platform) => {
    try {
      return analyzeStages(parsed, {
        file: dockerfile.path,
        buildArgs: dockerfile.buildArgs,
        ...(dockerfile.target !== undefined && { target: dockerfile.target }),
        ...(platform !== undefined && { platform }),
      });
    } catch (error) {
      // An unknown target is the spec's mistake: point at its `target` line.
      if (isImagespecError(error) && error.details?.field === 'target') throw fieldError(spec, 'target', error);
      throw error;
    }
  });
  const images = analyses.flatMap((analysis) => analysis.images);
  return {
    path: dockerfile.path,
    text,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    parsed,
    stages: analyses[0] as DockerfileStages,
    images: images.filter((image, index) => images.findIndex((other) => other.ref === image.ref) === index),
  };
}

async function checkContext(context: string, project: string): Promise<void> {
  await insideProject(context, project, 'build context');
  let isDir: boolean;
  try {
    isDir = (await stat(context)).isDirectory();
  } catch (error) {
    throw fileError(error, context);
  }
  if (!isDir) {
    throw new ImagespecError('FILE_NOT_REGULAR', `${context} is not a directory; a build context is a folder.`, {
      hint: 'Set context to the folder the Dockerfile COPYs from (default: the Dockerfile’s folder).',
      details: { path: context },
    });
  }
}

/**
 * A Dockerfile and its context belong to the project, as written and once symlinks are
 * followed: the tag must describe files the project holds (copy's `../shared` exception is
 * for files a spec ships on purpose, not for what a Dockerfile may COPY).
 */
async function insideProject(path: string, project: string, what: string): Promise<void> {
  if (!isInside(resolve(path), resolve(project))) {
    throw new ImagespecError(
      'CONTEXT_ESCAPES',
      `the ${what} ${path} is outside the project ${project}: imagespec hashes and sends only the project's files.`,
      {
        hint: 'Move the Dockerfile and its context into the project (the git repository of the spec file, or its folder outside one).',
        details: { path, project },
      },
    );
  }
  await checkInsideProject(path, project);
}

/** Docker's rule: `<Dockerfile>.dockerignore` beside the Dockerfile wins over the context's `.dockerignore`. */
export async function chooseDockerignore(dockerfile: ResolvedDockerfile): Promise<string> {
  const own = join(dirname(dockerfile.path), `${basename(dockerfile.path)}.dockerignore`);
  try {
    if ((await stat(own)).isFile()) return own;
  } catch {
    // absent: the context's own
  }
  return join(dockerfile.context, '.dockerignore');
}
