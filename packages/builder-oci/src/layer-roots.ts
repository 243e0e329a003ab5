import { type ContextEntry, computeContextLayout, type ResolvedImageSpec } from '@imagespec/core/builder';

/** One new layer: one root of the build context (a copy entry or the source), as its Dockerfile COPY makes it. */
export interface LayerRoot {
  readonly entry: ContextEntry;
  /** What the history says made it (the Dockerfile's line). */
  readonly createdBy: string;
}

/** The layers in Dockerfile order: copy entries as written, then the source. */
export function layerRoots(spec: ResolvedImageSpec): LayerRoot[] {
  const layout = computeContextLayout(spec);
  const roots = [...layout.copy, ...(layout.source ? [layout.source] : [])];
  return roots.map((entry) => ({
    entry,
    createdBy: `COPY ${JSON.stringify([entry.contextPath, entry.dest])} # imagespec builder-oci`,
  }));
}

/**
 * Where a context entry lands in the image, as COPY puts it: a directory root's contents
 * under its destination, a file root at its destination. The root directory itself and
 * the destination's parents get no entry: an unpacker creates missing ones (root, 0755,
 * as COPY does) and leaves existing ones as the base has them (as COPY does), where an
 * entry would reset their mode and owner. Undefined for entries outside the root.
 */
export function imagePath(root: ContextEntry, contextPath: string): string | undefined {
  if (contextPath === root.contextPath) return undefined;
  if (!contextPath.startsWith(`${root.contextPath}/`)) return undefined;
  const rest = contextPath.slice(root.contextPath.length + 1);
  return `${trimSlash(root.dest)}/${rest}`.replace(/^\/+/, '');
}

/** The path of a file root in the image (no leading slash). */
export function fileRootPath(root: ContextEntry): string {
  return trimSlash(root.dest).replace(/^\/+/, '');
}

function trimSlash(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}
