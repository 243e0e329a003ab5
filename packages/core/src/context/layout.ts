import type { ResolvedImageSpec } from '../contract/spec.js';

/**
 * Where each input of a spec sits inside the build context. The Dockerfile renderer and
 * the context/tar writer both read this, so a COPY line and the tar entry it names can
 * never disagree. Pure: derived from the spec alone, no file system access.
 */

export const DOCKERFILE_PATH = 'Dockerfile';
/**
 * Where the context tar of a spec with its own Dockerfile carries the rendered Dockerfile:
 * its context may hold a `Dockerfile` of its own, which must reach the build unchanged.
 */
export const DOCKERFILE_SPEC_PATH = '.imagespec.Dockerfile';
/** Everything imagespec puts in the context lives under this prefix, except the Dockerfile. */
export const CONTEXT_PREFIX = '_imagespec';

export interface ContextEntry {
  /** What the entry is, for messages. */
  readonly role: 'requirements' | 'copy' | 'source';
  /** Absolute path on the build host: a file or a directory. */
  readonly hostPath: string;
  /** POSIX path inside the context (no leading slash). */
  readonly contextPath: string;
  /** Absolute POSIX path inside the image. */
  readonly dest: string;
}

export interface ContextLayout {
  readonly requirements?: ContextEntry;
  readonly copy: readonly ContextEntry[];
  readonly source?: ContextEntry;
}

/** Where source code and relative copy destinations land when the spec sets no workdir (flytekit's choice). */
export const DEFAULT_WORKDIR = '/root';

export function computeContextLayout(spec: ResolvedImageSpec): ContextLayout {
  const workdir = spec.workdir ?? DEFAULT_WORKDIR;
  const requirements: ContextEntry | undefined = spec.requirements && {
    role: 'requirements',
    hostPath: spec.requirements.path,
    // Named by kind, not by the host file name: the name is not hashed, so it must not reach a layer.
    contextPath: `${CONTEXT_PREFIX}/requirements/${spec.requirements.kind}`,
    dest: `/tmp/imagespec/requirements/${spec.requirements.kind}`,
  };
  const copy = spec.copy.map(
    (entry, index): ContextEntry => ({
      role: 'copy',
      hostPath: entry.src,
      contextPath: `${CONTEXT_PREFIX}/copy/${index}/${basename(entry.src)}`,
      dest: entry.dest,
    }),
  );
  const source: ContextEntry | undefined =
    spec.sourceRoot && spec.sourceCopyMode === 'all'
      ? { role: 'source', hostPath: spec.sourceRoot, contextPath: `${CONTEXT_PREFIX}/source`, dest: workdir }
      : undefined;
  return { ...(requirements && { requirements }), copy, ...(source && { source }) };
}

function basename(path: string): string {
  const parts = path.split(/[\\/]/).filter(Boolean);
  return parts[parts.length - 1] ?? 'file';
}
