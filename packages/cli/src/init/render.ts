import type { ProjectFacts } from './detect.js';

export interface InitOptions {
  /** `--base`: the image to build on, instead of the detected or default Python image. */
  readonly base?: string;
  /** Relative path from the spec to @imagespec/core/schema.json, for the editor's schema line. */
  readonly schemaPath: string;
}

export interface InitFiles {
  readonly spec: string;
  readonly config: string;
  readonly dockerignore: string;
  /** What the user should know about what was (not) taken over from the folder. */
  readonly notes: readonly string[];
}

const DEFAULT_PYTHON = '3.12';

const CONFIG = `// imagespec configuration: which builders to use and defaults for every spec.
import { defineConfig } from '@imagespec/core';

export default defineConfig({
  // Builders are npm packages (install the ones you name) or paths to your own. The docker
  // builder uses the local engine; in a container without a bridge network, pass
  // ['@imagespec/builder-docker', { network: 'host' }].
  builders: ['@imagespec/builder-docker'],
  defaults: {
    // registry: 'registry.example.com/team',
  },
});
`;

const DOCKERIGNORE = `# Left out of the image's source and of its tag (imagespec also applies .gitignore, and
# leaves out VCS folders, Python caches and virtualenvs by itself).
.env
node_modules
Dockerfile
.dockerignore
imagespec.yaml
imagespec.config.mjs
imagespec.lock.json
`;

/** Pure: the starter files for what was found in the folder. */
export function renderInitFiles(facts: ProjectFacts, options: InitOptions): InitFiles {
  const notes: string[] = [];
  const python = facts.pythonVersion ?? DEFAULT_PYTHON;
  const base = options.base ?? facts.dockerfileBase ?? `python:${python}-slim`;
  if (facts.dockerfile) {
    notes.push(
      `Dockerfile found: imagespec does not build from Dockerfiles yet, so imagespec.yaml describes the image as a Python spec${
        facts.dockerfileBase && !options.base ? ` on the Dockerfile's base (${facts.dockerfileBase})` : ''
      }; move its RUN steps to \`commands\` and its packages to \`requirements\` or \`packages\`.`,
    );
  }
  const lines = [
    `# yaml-language-server: $schema=${options.schemaPath}`,
    '# An image spec: what goes into the image. Its tag is a hash of this content, so',
    '# `imagespec build` builds only what the registry lacks. `imagespec schema` lists every field.',
    `name: ${facts.name}`,
    '# registry: registry.example.com/team   # where to push; without one the image stays in the local engine',
    '# A tag, locked to a digest in imagespec.lock.json: run `imagespec lock` to (re)pin it.',
    `baseImage: ${base}`,
  ];
  if (facts.requirements) {
    lines.push(`requirements: ${facts.requirements}`);
  } else if (facts.pyproject) {
    lines.push(
      '# pyproject.toml has no lock file: run `uv lock` (or `poetry lock`) and add `requirements: uv.lock`',
      '# (or poetry.lock) so the image installs exactly the versions you tested.',
    );
    notes.push('pyproject.toml without uv.lock or poetry.lock: lock it and name the lock in `requirements`.');
  }
  lines.push(
    'env:',
    '  PYTHONUNBUFFERED: "1"',
    '# The project folder, copied last so editing code never reinstalls packages (.dockerignore applies).',
    'sourceRoot: .',
    'workdir: /app',
    '# Run in the built image before it is pushed; a failure fails the build.',
    'verify:',
    `  - python3 -c "import sys; print(sys.version)"`,
  );
  return { spec: `${lines.join('\n')}\n`, config: CONFIG, dockerignore: DOCKERIGNORE, notes };
}
