import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/** What `imagespec init` found in the project folder. */
export interface ProjectFacts {
  /** Image name: the pyproject's project name, else the folder's, made a valid repository name. */
  readonly name: string;
  /** The dependency file the spec installs from: a lock beats a loose list. */
  readonly requirements?: 'uv.lock' | 'poetry.lock' | 'requirements.txt';
  readonly pyproject: boolean;
  /** major.minor, from .python-version, the pyproject's requires-python or the Dockerfile's python base. */
  readonly pythonVersion?: string;
  readonly dockerfile: boolean;
  /** The Dockerfile's first FROM, when it is a Python image (reused as the spec's base). */
  readonly dockerfileBase?: string;
}

const read = (dir: string, file: string): string | undefined => {
  const path = join(dir, file);
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
};

/** Reads the folder (adapter); everything it decides is in the pure parse functions below. */
export function detectProject(dir: string): ProjectFacts {
  const pyproject = read(dir, 'pyproject.toml');
  const dockerfile = read(dir, 'Dockerfile');
  const dockerfileBase = dockerfile === undefined ? undefined : pythonBaseOf(dockerfile);
  const requirements = (['uv.lock', 'poetry.lock', 'requirements.txt'] as const).find((file) =>
    existsSync(join(dir, file)),
  );
  const pythonVersion =
    versionFromPythonVersionFile(read(dir, '.python-version')) ??
    (pyproject === undefined ? undefined : requiresPythonOf(pyproject)) ??
    (dockerfileBase === undefined ? undefined : /:(\d+\.\d+)/.exec(dockerfileBase)?.[1]);
  return {
    name: imageNameFrom((pyproject === undefined ? undefined : projectNameOf(pyproject)) ?? basename(dir)),
    ...(requirements && { requirements }),
    pyproject: pyproject !== undefined,
    ...(pythonVersion && { pythonVersion }),
    dockerfile: dockerfile !== undefined,
    ...(dockerfileBase && { dockerfileBase }),
  };
}

/** `3.11.4` or `3.11` (pyenv and uv write it) -> `3.11`. */
export function versionFromPythonVersionFile(text: string | undefined): string | undefined {
  return text === undefined ? undefined : /^\s*(\d+\.\d+)/.exec(text)?.[1];
}

/** The lowest version `requires-python` allows (`>=3.10`, `~=3.11`, `==3.12.*`, `^3.11` in poetry). */
export function requiresPythonOf(pyproject: string): string | undefined {
  const spec = /^\s*(?:requires-python|python)\s*=\s*["']([^"']+)["']/m.exec(pyproject)?.[1];
  return spec === undefined ? undefined : /(?:>=|~=|==|\^|~)\s*(\d+\.\d+)/.exec(spec)?.[1];
}

/** `name = "..."` of [project] or [tool.poetry]. */
export function projectNameOf(pyproject: string): string | undefined {
  const section = /^\[(?:project|tool\.poetry)\]\s*$([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(pyproject)?.[1];
  return section === undefined ? undefined : /^\s*name\s*=\s*["']([^"']+)["']/m.exec(section)?.[1];
}

/** A repository name from any text: lowercase, runs of other characters as one `-`. */
export function imageNameFrom(text: string): string {
  const name = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return name === '' ? 'app' : name;
}

/** The first stage's image, if it is a Python one and written out (no build arguments). */
export function pythonBaseOf(dockerfile: string): string | undefined {
  const from = /^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)/im.exec(dockerfile)?.[1];
  if (from === undefined || from.includes('$')) return undefined;
  return /(?:^|\/)python:/.test(from) ? from : undefined;
}
