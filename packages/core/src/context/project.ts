import { existsSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { ResolvedImageSpec } from '../contract/spec.js';
import { ImagespecError } from '../errors.js';
import { fileError } from '../fs/file-error.js';

/**
 * The project a spec belongs to: the git repository holding the spec's folder (the
 * nearest folder with a `.git` entry, a folder or a worktree's file), else the spec's
 * folder itself. Paths in the spec may reach anywhere in it, through symlinks too.
 */
export function projectRootOf(spec: ResolvedImageSpec): string {
  return findGitRoot(spec.origin.dir) ?? resolve(spec.origin.dir);
}

/** The nearest folder at or above `dir` that holds `.git`, or undefined. */
export function findGitRoot(dir: string): string | undefined {
  for (let current = resolve(dir); ; current = dirname(current)) {
    if (existsSync(join(current, '.git'))) return current;
    if (dirname(current) === current) return undefined;
  }
}

/** True when `path` is `dir` or below it (both absolute and resolved). */
export function isInside(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep);
}

/**
 * Refuses a path whose symlinks lead out of the project. A path inside the project (as
 * written) must stay inside it once links are followed; a path written to lead outside
 * (`{ src: ../shared }`, allowed on purpose) must stay in the folder it names. So
 * `copy: [data]` with `data -> ~/.ssh` fails here, before anything under it is read.
 * Returns the real path.
 */
export async function checkInsideProject(hostPath: string, project: string): Promise<string> {
  const lexical = resolve(hostPath);
  const boundary = isInside(lexical, resolve(project)) ? resolve(project) : dirname(lexical);
  let real: string;
  let realBoundary: string;
  try {
    real = await realpath(lexical);
    realBoundary = await realpath(boundary);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') {
      throw new ImagespecError('FILE_NOT_REGULAR', `${lexical} is a symbolic link loop.`, {
        hint: 'Fix or remove the link.',
        cause: error,
        details: { path: lexical, errno: 'ELOOP' },
      });
    }
    throw fileError(error, lexical);
  }
  if (isInside(real, realBoundary)) return real;
  throw new ImagespecError(
    'CONTEXT_ESCAPES',
    `${lexical} leads outside the project through a symbolic link: it resolves to ${real}, which is not under ${boundary}. Nothing there is hashed or sent.`,
    {
      hint: 'Copy the files into the project, or replace the link with the real path written in the spec ({ src: <path>, dest: <path in the image> }) if you mean to ship them.',
      details: { path: lexical, resolved: real, project: boundary },
    },
  );
}
