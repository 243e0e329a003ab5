import { basename, dirname, relative } from 'node:path';
import { isImagespecError } from '../errors.js';
import { fileError } from '../fs/file-error.js';
import { readRegularFileSync } from '../fs/read-regular-file.js';
import { isVcsName, matchBuiltin } from './builtin-ignore.js';
import { type Gitignore, matchGitignore, parseGitignore } from './gitignore.js';
import { createIgnoreMatcher, type DockerignorePattern } from './ignore.js';

/**
 * Which entries of one walked tree are left out, and by which rule. In this order:
 *
 * 1. version-control folders (`.git`, `.hg`, `.svn`): always;
 * 2. the root's `.dockerignore` (Docker's semantics): its last matching line decides, and a
 *    `!` line keeps a path whatever comes below;
 * 3. `.gitignore` files with git's semantics: those in the tree, and those in the folders
 *    above it up to the git repository's root (or the project's folder outside a
 *    repository); a deeper file overrides a shallower one, and nothing inside an excluded
 *    folder comes back (git's rule), except through a `.dockerignore` `!` line;
 * 4. the built-in list (BUILTIN_IGNORE_PATTERNS).
 *
 * The walked root itself is never tested: a spec that names a folder wants it, even when
 * a `.gitignore` above lists it (`copy: [dist]` with `dist/` ignored by git), and a line
 * above it that would exclude it, or a folder between, is dropped (`/dist/**` too).
 */
export interface TreeIgnore {
  /** The rules in force in the root folder. */
  readonly root: FolderRules;
  /** The rules in force inside `dir` (relative path), given its parent's and whether it holds a `.gitignore`. */
  inside(dir: string, parent: FolderRules, excluded: boolean, hasGitignore: boolean): FolderRules;
  decide(path: string, name: string, isDir: boolean, absPath: string, rules: FolderRules): Verdict;
}

export interface FolderRules {
  readonly gitignores: readonly ScopedGitignore[];
  /** The folder itself is left out: it is walked only because a `.dockerignore` exception may match below. */
  readonly excluded: boolean;
}

interface ScopedGitignore {
  readonly file: Gitignore;
  /** A root-relative path as the file's folder sees it. */
  local(path: string): string;
}

export type Verdict =
  | { readonly keep: true; readonly keptBy?: string }
  | {
      readonly keep: false;
      readonly rule: string;
      /** Walk into it anyway: a `.dockerignore` exception may bring something below back. */
      readonly descend: boolean;
      /** Below a folder already reported as left out: not reported again. */
      readonly quiet: boolean;
    };

/**
 * `root` as walked, `realRoot` its real path, `top` the highest folder whose `.gitignore`
 * applies; `dockerignore` the file read instead of the root's `.dockerignore`.
 */
export async function createTreeIgnore(
  root: string,
  realRoot: string,
  top: string,
  dockerignore?: string,
): Promise<TreeIgnore> {
  const docker = await createIgnoreMatcher(root, dockerignore);
  const label = dockerignore ? basename(dockerignore) : '.dockerignore';
  const ancestors: ScopedGitignore[] = [];
  for (let dir = realRoot; dir !== top && dirname(dir) !== dir; ) {
    dir = dirname(dir);
    const file = readGitignore(`${dir}/.gitignore`, `${dir}/.gitignore`);
    const prefix = `${relative(dir, realRoot)}/`;
    if (file) ancestors.unshift({ file: withoutRulesOnRoot(file, prefix), local: (path) => prefix + path });
  }
  const rootRules: FolderRules = { gitignores: ancestors, excluded: false };
  return {
    root: rootRules,
    inside(dir, parent, excluded, hasGitignore) {
      const source = dir === '' ? '.gitignore' : `${dir}/.gitignore`;
      const file = hasGitignore ? readGitignore(`${root}/${source}`, source) : undefined;
      const strip = dir === '' ? 0 : dir.length + 1;
      const gitignores = file
        ? [...parent.gitignores, { file, local: (path: string) => path.slice(strip) }]
        : parent.gitignores;
      return { gitignores, excluded };
    },
    decide(path, name, isDir, absPath, rules) {
      const leaveOut = (rule: string, quiet = rules.excluded): Verdict => ({
        keep: false,
        rule,
        descend: isDir && docker.mayIncludeBelow(path),
        quiet,
      });
      if (isVcsName(name)) return { keep: false, rule: `built-in \`${name}\``, descend: false, quiet: rules.excluded };
      const line = docker.lastMatch(path);
      if (line?.negated) return { keep: true, keptBy: dockerLabel(label, line) };
      if (line) return leaveOut(dockerLabel(label, line));
      if (rules.excluded) return leaveOut('', true);
      for (let i = rules.gitignores.length - 1; i >= 0; i--) {
        const { file, local } = rules.gitignores[i]!;
        const pattern = matchGitignore(file, local(path), isDir);
        if (!pattern) continue;
        if (pattern.negated) break;
        return leaveOut(`${file.source}:${pattern.line} \`${pattern.text}\``);
      }
      const builtin = matchBuiltin(name, isDir, absPath);
      return builtin ? leaveOut(`built-in \`${builtin}\``) : { keep: true };
    },
  };
}

/**
 * An ancestor's `.gitignore` without the lines that exclude the walked root or a folder
 * between them (`/generated/**` for `copy: [generated/sub]`): the spec named that folder,
 * so such a line would only empty it. Lines about what is inside still apply.
 */
function withoutRulesOnRoot(file: Gitignore, prefix: string): Gitignore {
  const folders = prefix
    .slice(0, -1)
    .split('/')
    .map((_, index, parts) => parts.slice(0, index + 1).join('/'));
  const patterns = file.patterns.filter(
    (pattern) =>
      pattern.negated || !folders.some((folder) => matchGitignore({ ...file, patterns: [pattern] }, folder, true)),
  );
  return { ...file, patterns };
}

function dockerLabel(file: string, line: DockerignorePattern): string {
  return `${file}:${line.line} \`${line.text}\``;
}

/** A `.gitignore` that is a regular file, parsed; none when absent (git also skips a symlinked one). */
function readGitignore(absPath: string, source: string): Gitignore | undefined {
  try {
    return parseGitignore(readRegularFileSync(absPath).toString('utf8'), source);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
    throw isImagespecError(error) ? error : fileError(error, absPath);
  }
}
