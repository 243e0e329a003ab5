import { stat } from 'node:fs/promises';
import { projectRootOf } from '../context/project.js';
import { walkFiles } from '../context/walk.js';
import type { ResolvedImageSpec } from '../contract/spec.js';
import { isImagespecError } from '../errors.js';
import type { HashedFileTree, ImageIdentity } from '../hash/identity.js';
import type { CopiedTree } from './secret-files.js';

/**
 * The folders a spec copies (copy entries that are folders, and the source tree), listed
 * by the walk behind the hash and the context: exactly what the build would send. A
 * missing one is skipped (tag and build report it); any other problem is thrown.
 */
export async function listCopiedTrees(spec: ResolvedImageSpec, identity?: ImageIdentity): Promise<CopiedTree[]> {
  if (identity) return copiedTreesOf(identity);
  const roots: { field: (string | number)[]; root: string }[] = spec.copy.map((entry, index) => ({
    field: ['copy', index],
    root: entry.src,
  }));
  if (spec.sourceRoot && spec.sourceCopyMode === 'all') roots.push({ field: ['sourceRoot'], root: spec.sourceRoot });
  const project = projectRootOf(spec);
  const trees: CopiedTree[] = [];
  for (const { field, root } of roots) {
    try {
      if (!(await stat(root)).isDirectory()) continue;
      const files: CopiedTree['files'][number][] = [];
      for await (const file of walkFiles(root, { project })) {
        if (file.kind === 'file')
          files.push({ path: file.path, ...(file.keptBy !== undefined && { keptBy: file.keptBy }) });
      }
      trees.push({ field, root, files });
    } catch (error) {
      const code = isImagespecError(error) ? error.code : (error as NodeJS.ErrnoException).code;
      if (code === 'FILE_NOT_FOUND' || code === 'ENOENT' || code === 'ENOTDIR') continue;
      throw error;
    }
  }
  return trees;
}

/**
 * The same folders from the listing the hash read (computeImageIdentity's trees), so a
 * build that computes identities lists each tree once.
 */
async function copiedTreesOf(identity: ImageIdentity): Promise<CopiedTree[]> {
  const { copy, source } = identity.files;
  const roots: { field: (string | number)[]; tree: HashedFileTree }[] = copy.map((tree, index) => ({
    field: ['copy', index],
    tree,
  }));
  if (source) roots.push({ field: ['sourceRoot'], tree: source });
  const trees: CopiedTree[] = [];
  for (const { field, tree } of roots) {
    // A copy entry that names a file: the spec line is the decision (secret-files.ts).
    const isFolder = await stat(tree.src).then(
      (stats) => stats.isDirectory(),
      () => false,
    );
    if (!isFolder) continue;
    const files = tree.files
      .filter((file) => file.mode === 'file' || file.mode === 'exec')
      .map((file) => ({ path: file.path, ...(file.keptBy !== undefined && { keptBy: file.keptBy }) }));
    trees.push({ field, root: tree.src, files });
  }
  return trees;
}
