import { existsSync } from 'node:fs';

/**
 * What no image needs, left out of every hashed and sent tree whatever the ignore files
 * say: version-control metadata, Python caches and virtualenvs, editor and OS clutter.
 * Matched by name at any depth. A `.dockerignore` exception (`!name`) brings any of them
 * back except the version-control folders (a nested repository's `.git` changes on every
 * fetch, which would change the tag for nothing).
 */
export const BUILTIN_IGNORE_PATTERNS: readonly string[] = [
  '.git',
  '.hg',
  '.svn',
  '__pycache__',
  '*.pyc',
  '*.pyo',
  '.venv',
  'a folder holding pyvenv.cfg (a virtualenv under any name)',
  '.mypy_cache',
  '.pytest_cache',
  '.ruff_cache',
  '.tox',
  '.nox',
  '*.egg-info',
  '.DS_Store',
  'Thumbs.db',
  '.idea',
  '.vscode',
  '*.swp',
  '*~',
];

const VCS_NAMES: ReadonlySet<string> = new Set(['.git', '.hg', '.svn']);
const NAMES: ReadonlySet<string> = new Set([
  '__pycache__',
  '.venv',
  '.mypy_cache',
  '.pytest_cache',
  '.ruff_cache',
  '.tox',
  '.nox',
  '.DS_Store',
  'Thumbs.db',
  '.idea',
  '.vscode',
]);
const SUFFIXES: readonly string[] = ['.pyc', '.pyo', '.egg-info', '.swp', '~'];

/** True for the version-control names, which nothing re-includes. */
export function isVcsName(name: string): boolean {
  return VCS_NAMES.has(name);
}

/**
 * The built-in rule that leaves out an entry named `name`, as it reads in messages, or
 * undefined. `absPath` is read only for a directory, to spot a virtualenv by its
 * `pyvenv.cfg` (one stat per directory).
 */
export function matchBuiltin(name: string, isDir: boolean, absPath: string): string | undefined {
  if (VCS_NAMES.has(name) || NAMES.has(name)) return name;
  const suffix = SUFFIXES.find((end) => name.endsWith(end) && name.length > end.length);
  if (suffix) return `*${suffix}`;
  if (isDir && existsSync(`${absPath}/pyvenv.cfg`)) return 'virtualenv (holds pyvenv.cfg)';
  return undefined;
}
