/**
 * What each spec field means, with an example: the text editors show on hover (through the
 * JSON Schema, json-schema.ts) and the README's table says in short. Keyed by the camelCase
 * name; flytekit's snake_case names share their field's entry.
 */
export interface FieldDoc {
  readonly description: string;
  readonly example: unknown;
}

export const FIELD_DOCS = {
  name: {
    description:
      'Image name: the repository path under the registry (lowercase letters, digits, . _ - separators, components joined by /). In a file with `images`, defaults to the key.',
    example: 'ml/trainer',
  },
  registry: {
    description:
      'Where the image is pushed: host[:port] with an optional path prefix. Without one, the image stays in the local engine.',
    example: 'registry.internal.example/acme',
  },
  tagFormat: {
    description: 'Tag template; `{hash}` is replaced by the content hash. Default `{hash}`.',
    example: 'py312-{hash}',
  },
  tags: {
    description:
      'Extra tags put on the same image (same digest) in the registry after it is pushed, and again when it is found and skipped, so `latest` follows. Placeholders `{hash}`, `{gitSha}`, `{gitShortSha}` (HEAD of the spec’s git repository). Never used to decide whether the image exists, not part of the hash; needs a registry.',
    example: ['latest', 'git-{gitShortSha}'],
  },
  baseImage: {
    description:
      'The image to build on: an image reference (pin it with `imagespec lock`), an inline spec, or the key of another spec in the same file (built first). Default `python:<pythonVersion>-slim`.',
    example: 'python:3.12-slim',
  },
  platform: {
    description: 'One or more os/arch[/variant] to build for, as a list or comma-separated. Default: the builder’s.',
    example: ['linux/amd64', 'linux/arm64'],
  },
  pythonVersion: {
    description:
      'Python version (major.minor); chooses the default base image `python:<version>-slim`. An unquoted 3.10 is read as written, not as 3.1.',
    example: '3.12',
  },
  packages: {
    description:
      'pip requirements (PEP 508), installed after the requirements file. Pin them (`==`) for repeatable images.',
    example: ['numpy==2.1.3', 'pandas==2.2.3'],
  },
  requirements: {
    description:
      'A requirements*.txt, uv.lock or poetry.lock file, relative to the spec file; its bytes are part of the hash. The kind is read from the file name.',
    example: 'requirements.txt',
  },
  condaPackages: {
    description: 'conda packages, installed with micromamba (which the base image must have).',
    example: ['conda-forge::samtools=1.19'],
  },
  condaChannels: {
    description: 'conda channels, in priority order.',
    example: ['conda-forge'],
  },
  aptPackages: {
    description: 'Debian packages installed with apt-get (name, name=version or name/release).',
    example: ['git', 'curl'],
  },
  commands: {
    description:
      'Shell commands, each its own RUN step, in order; run as root in the workdir after packages and copies, before the source.',
    example: ['python -m compileall /root'],
  },
  env: {
    description: 'Environment variables of the image (and of its commands). Names are POSIX names; values are text.',
    example: { PYTHONUNBUFFERED: '1' },
  },
  copy: {
    description:
      'Files or folders copied into the image: a relative path (to the same path under the workdir) or { src, dest }.',
    example: ['config/', { src: 'scripts/entry.sh', dest: '/usr/local/bin/entry.sh' }],
  },
  sourceRoot: {
    description:
      'The project folder copied into the workdir last, so editing code never reinstalls packages (.gitignore and .dockerignore apply).',
    example: '.',
  },
  sourceCopyMode: {
    description: 'Whether the source tree is copied: `all` (default) or `none` (flytekit: ALL, NO_COPY).',
    example: 'all',
  },
  entrypoint: {
    description:
      'ENTRYPOINT of the image (a list is exec form). Pipeline runtimes replace it; do not rely on it for setup.',
    example: ['python', '-m', 'app'],
  },
  cmd: {
    description: 'CMD of the image (a list is exec form). Pipeline runtimes replace it; do not rely on it for setup.',
    example: ['python', '/app/main.py'],
  },
  workdir: {
    description: 'Working directory in the image (absolute); copies and the source land under it. Default /root.',
    example: '/app',
  },
  user: {
    description: 'User the image runs as: user[:group], names or numeric ids. Commands still run as root.',
    example: '1000:1000',
  },
  labels: {
    description: 'Image labels (`dev.imagespec.*` is reserved).',
    example: { 'org.opencontainers.image.source': 'https://git.internal.example/acme/trainer' },
  },
  pipIndex: {
    description: 'The pip index URL (replaces the default index).',
    example: 'https://pip.internal.example/simple/',
  },
  pipExtraIndexUrl: {
    description: 'Extra pip index URLs.',
    example: ['https://pip.internal.example/whl/cu124'],
  },
  pipExtraArgs: {
    description: 'Extra arguments for pip install (options only, no package names), as one string or a list.',
    example: ['--no-cache-dir', '--pre'],
  },
  pipSecretMounts: {
    description:
      'Secrets mounted into the pip step only, never into a layer: { src (a file) or env (a variable), target, id? }; flytekit’s [src, target] pairs too.',
    example: [{ src: '~/.netrc', target: '/root/.netrc' }],
  },
  cuda: {
    description: 'CUDA version the image needs (part of the hash; the base image provides it).',
    example: '12.4',
  },
  cudnn: {
    description: 'cuDNN version the image needs (part of the hash; the base image provides it).',
    example: '9',
  },
  verify: {
    description: 'Commands run inside the built image before it is pushed; one that fails fails the build.',
    example: ["python -c 'import numpy'"],
  },
  builder: {
    description:
      'The builder for this image (e.g. docker, buildkit, kaniko, noop); default: the available one with the highest priority.',
    example: 'docker',
  },
  builderOptions: {
    description: 'Options for the chosen builder, checked against its options schema and merged over the config’s.',
    example: { network: 'host' },
  },
  dockerfile: {
    description:
      'A Dockerfile of your own, relative to the spec file: the image is what `docker build` makes of it, tagged by its bytes, its context’s files, target, buildArgs, platform and the images it pulls (pinned by imagespec.lock.json). Such a spec sets no Python-layer field (baseImage, packages, commands, copy, env...); another spec of the file layers them on it with `baseImage: <its key>`. Must be inside the project.',
    example: 'services/api/Dockerfile',
  },
  context: {
    description:
      'The build context of `dockerfile`: a folder relative to the spec file, inside the project. Default: the Dockerfile’s folder. Its `.dockerignore` applies (or `<Dockerfile>.dockerignore` when it exists), as do .gitignore files and the built-in list, as for sourceRoot.',
    example: 'services/api',
  },
  target: {
    description: 'The stage of `dockerfile` to build (`docker build --target`). Default: the last stage.',
    example: 'runtime',
  },
  buildArgs: {
    description:
      '`docker build --build-arg` values for `dockerfile`: they resolve ARGs used in FROM lines and set every ARG the Dockerfile declares. Part of the hash.',
    example: { NODE_VERSION: '22', APP_ENV: 'prod' },
  },
} as const satisfies Record<string, FieldDoc>;

export type DocumentedField = keyof typeof FIELD_DOCS;

/** The `images:` key of a multi-image file. */
export const IMAGES_DOC: FieldDoc = {
  description:
    'Several images in one file, by key. A key is the default `name`, and another spec’s `baseImage` may name it (built first).',
  example: { base: { baseImage: 'python:3.12-slim', aptPackages: ['git'] }, app: { baseImage: 'base' } },
};
