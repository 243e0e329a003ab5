import { type ContextEntry, computeContextLayout } from '../context/layout.js';
import type { DockerfileDialect } from '../contract/builder.js';
import type { ResolvedImageSpec } from '../contract/spec.js';
import { ImagespecError } from '../errors.js';
import { parseImageRef } from '../image-ref/image-ref.js';
import { HASH_LABEL } from './hash-label.js';
import { LOCK_EXPORT_SCRIPT } from './lock-export.js';
import {
  assertSingleLine,
  checkCommand,
  checkEnvName,
  checkImagePath,
  checkLabelKey,
  checkPath,
  dockerfileQuote,
  type FieldRef,
  jsonArray,
  shellArgument,
  shellQuote,
  specInvalid,
} from './quote.js';

export interface RenderOptions {
  readonly dialect: DockerfileDialect;
  /** The base image FROM names (already resolved: a lock digest or a base spec's full name). */
  readonly baseImage: string;
  /** The content hash, written to the `dev.imagespec.hash` label. */
  readonly hash: string;
}

export { HASH_LABEL };

const CONTINUE = ' \\\n    ';
const APT_CACHE_MOUNTS = [
  '--mount=type=cache,target=/var/cache/apt,sharing=locked',
  '--mount=type=cache,target=/var/lib/apt,sharing=locked',
];
const PIP_CACHE_MOUNT = '--mount=type=cache,target=/root/.cache/pip';
const LOCK_EXPORT_PATH = '/tmp/imagespec/export-lock.py';
const LOCK_PINS_PATH = '/tmp/imagespec/lock-requirements.txt';
const LOCK_UNHASHED_PATH = '/tmp/imagespec/lock-unhashed.txt';
const PYTHON_VERSION = /^[0-9]+(\.[0-9]+){0,2}$/;
const CONDA_VERSION = /^[0-9][0-9A-Za-z.*+_-]*$/;
const USER = /^[A-Za-z0-9_][A-Za-z0-9_.-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?$/;
const SECRET_ID = /^[A-Za-z0-9._-]+$/;

/**
 * Renders the Dockerfile of a spec. Pure. Layers go from least to most often changed, so
 * editing source never reinstalls packages:
 *
 *   FROM -> apt -> conda (micromamba) -> Python version check -> requirements file ->
 *   pip packages -> copy -> commands -> source -> ENV, LABEL, WORKDIR, USER, ENTRYPOINT, CMD
 *
 * ENV, WORKDIR and USER come last, so commands run with the base image's environment,
 * working directory and user (root for the usual bases), never the spec's.
 *
 * Python: the base image's `python3` is used as is. `pythonVersion` is checked at build
 * time (the step fails naming both versions); with conda packages it is also installed as
 * `python=<version>`. Conda packages, `cuda` (`cuda-toolkit=<cuda>`) and `cudnn`
 * (`cudnn=<cudnn>`) are installed with micromamba into its base environment, from
 * `condaChannels` in order; micromamba must already be in the base image, or that step
 * fails saying so. Nothing is downloaded to set tools up.
 *
 * pip runs as `python3 -m pip` with PIP_BREAK_SYSTEM_PACKAGES=1 for that step only: the
 * image is the environment (Debian's Python refuses system installs otherwise; older pips
 * ignore the variable).
 */
export function renderDockerfile(spec: ResolvedImageSpec, options: RenderOptions): string {
  const field = (path: string): FieldRef => ({
    spec: spec.name,
    ...(spec.origin.file !== undefined && { file: spec.origin.file }),
    path,
  });
  const buildkit = options.dialect === 'buildkit';
  if (options.dialect !== 'buildkit' && options.dialect !== 'plain') {
    throw new ImagespecError('INTERNAL', `Unknown Dockerfile dialect ${JSON.stringify(options.dialect)}.`);
  }
  if (!buildkit && spec.pipSecretMounts.length > 0) {
    throw new ImagespecError(
      'BUILDER_UNSUPPORTED',
      `Spec ${JSON.stringify(spec.name)} mounts pip secrets (${spec.pipSecretMounts.map((s) => s.id).join(', ')}), which the plain Dockerfile dialect cannot express: it has no RUN --mount.`,
      {
        hint: 'Build it with a BuildKit builder (builder-docker on an engine with BuildKit, or builder-buildkit), or remove pipSecretMounts.',
        details: { spec: spec.name, dialect: options.dialect },
      },
    );
  }
  parseImageRef(options.baseImage);
  const layout = computeContextLayout(spec);
  const lines = [`FROM ${options.baseImage}`];

  if (spec.aptPackages.length > 0) lines.push(renderApt(spec, field, buildkit));
  const conda = renderConda(spec, field);
  if (conda) lines.push(conda);
  if (spec.pythonVersion !== undefined) lines.push(renderPythonCheck(spec.pythonVersion, field));

  const pip = pipInvocation(spec, field, buildkit);
  if (spec.requirements && layout.requirements) {
    const requirements = layout.requirements;
    lines.push(copyLine(requirements, field('requirements')));
    if (spec.requirements.kind === 'requirements.txt') {
      // A file with --hash options puts pip in hash-checking mode for this install; nothing here turns it off.
      const args = [`-r ${shellQuote(field('requirements'), requirements.dest)}`, ...packageArgs(spec, field)];
      lines.push(pip.run([pip.install(args)]));
    } else {
      lines.push(renderLockInstall(spec.requirements.kind, requirements, pip, field));
      if (spec.packages.length > 0) lines.push(pip.run([pip.install(packageArgs(spec, field))]));
    }
  } else if (spec.packages.length > 0) {
    lines.push(pip.run([pip.install(packageArgs(spec, field))]));
  }

  // ENV and WORKDIR come after the package layers (an env edit never reinstalls packages)
  // but before copy and commands, which a user expects to run with their env, in their workdir.
  const env = Object.entries(spec.env).map(
    ([name, value]) => `${checkEnvName(field(`env.${name}`), name)}=${dockerfileQuote(field(`env.${name}`), value)}`,
  );
  if (env.length > 0) lines.push(`ENV ${env.join(CONTINUE)}`);
  if (spec.workdir !== undefined) lines.push(`WORKDIR ${checkImagePath(field('workdir'), spec.workdir)}`);

  layout.copy.forEach((entry, index) => {
    lines.push(copyLine(entry, field(`copy[${index}]`)));
  });
  spec.commands.forEach((command, index) => {
    lines.push(`RUN ${checkCommand(field(`commands[${index}]`), command)}`);
  });
  if (layout.source) lines.push(copyLine(layout.source, field('sourceRoot')));

  lines.push(`LABEL ${renderLabels(spec, options.hash, field).join(CONTINUE)}`);
  if (spec.user !== undefined) {
    if (!USER.test(spec.user)) throw specInvalid(field('user'), spec.user, 'is not a user[:group] name or id');
    lines.push(`USER ${spec.user}`);
  }
  if (spec.entrypoint !== undefined) lines.push(`ENTRYPOINT ${jsonArray(spec.entrypoint)}`);
  if (spec.cmd !== undefined) lines.push(`CMD ${jsonArray(spec.cmd)}`);
  return `${lines.join('\n')}\n`;
}

type Field = (path: string) => FieldRef;
/** `install` renders one `pip install` command with the spec's options; `run` the RUN of shell steps, with the pip mounts. */
interface Pip {
  install(args: readonly string[]): string;
  run(steps: readonly string[]): string;
}

function renderApt(spec: ResolvedImageSpec, field: Field, buildkit: boolean): string {
  const packages = spec.aptPackages.map((name, index) => shellArgument(field(`aptPackages[${index}]`), name));
  const install = `DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends${CONTINUE}  ${packages.join(' ')}`;
  if (!buildkit) return `RUN apt-get update${CONTINUE}&& ${install}${CONTINUE}&& rm -rf /var/lib/apt/lists/*`;
  // Debian images delete downloaded .debs after each install (docker-clean); keep them for the cache mount.
  return [
    `RUN ${APT_CACHE_MOUNTS.join(' ')}`,
    `rm -f /etc/apt/apt.conf.d/docker-clean`,
    `&& echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' > /etc/apt/apt.conf.d/keep-cache`,
    '&& apt-get update',
    `&& ${install}`,
  ].join(CONTINUE);
}

function renderConda(spec: ResolvedImageSpec, field: Field): string | undefined {
  const version = (path: string, value: string) => {
    if (!CONDA_VERSION.test(value)) throw specInvalid(field(path), value, 'is not a version such as 12.1');
    return value;
  };
  const specs = spec.condaPackages.map((name, index) => shellArgument(field(`condaPackages[${index}]`), name));
  if (spec.cuda !== undefined) specs.push(shellQuote(field('cuda'), `cuda-toolkit=${version('cuda', spec.cuda)}`));
  if (spec.cudnn !== undefined) specs.push(shellQuote(field('cudnn'), `cudnn=${version('cudnn', spec.cudnn)}`));
  if (specs.length === 0) return undefined;
  if (spec.pythonVersion !== undefined)
    specs.push(shellQuote(field('pythonVersion'), `python=${pythonVersion(spec.pythonVersion, field)}`));
  const channels = spec.condaChannels.map(
    (channel, index) => `-c ${shellArgument(field(`condaChannels[${index}]`), channel)}`,
  );
  const missing =
    "echo 'imagespec: condaPackages, cuda and cudnn are installed with micromamba, which is not on PATH in the base image; use a base image that has micromamba' >&2";
  return [
    `RUN command -v micromamba >/dev/null 2>&1 || { ${missing}; exit 1; }`,
    `&& micromamba install --yes --name base ${[...channels, ...specs].join(' ')}`,
    '&& micromamba clean --all --yes',
  ].join(CONTINUE);
}

function pythonVersion(value: string, field: Field): string {
  if (!PYTHON_VERSION.test(value)) throw specInvalid(field('pythonVersion'), value, 'is not a version such as 3.12');
  return value;
}

function renderPythonCheck(value: string, field: Field): string {
  const want = pythonVersion(value, field);
  const script = [
    'import sys',
    `want = "${want}"`,
    'have = "%d.%d.%d" % sys.version_info[:3]',
    '(have + ".").startswith(want + ".") or sys.exit("imagespec: the spec asks for Python " + want + " but the image has " + have + " (" + sys.executable + "); choose a base image with that Python")',
  ].join('; ');
  const missing = `echo 'imagespec: the spec asks for Python ${want} but the image has no python3' >&2`;
  return `RUN command -v python3 >/dev/null 2>&1 || { ${missing}; exit 1; }${CONTINUE}&& python3 -c ${shellQuote(field('pythonVersion'), script)}`;
}

/** The spec's pip: index options and extra args for each install, cache and secret mounts for each RUN. */
function pipInvocation(spec: ResolvedImageSpec, field: Field, buildkit: boolean): Pip {
  const mounts = buildkit
    ? [
        PIP_CACHE_MOUNT,
        ...spec.pipSecretMounts.map((secret, index) => {
          const path = `pipSecretMounts[${index}]`;
          if (!SECRET_ID.test(secret.id))
            throw specInvalid(field(`${path}.id`), secret.id, 'is not a secret id (letters, digits, ".", "_", "-")');
          const target = checkImagePath(field(`${path}.target`), secret.target);
          if (/[,=]/.test(target))
            throw specInvalid(field(`${path}.target`), target, 'contains "," or "=", which a --mount flag cannot hold');
          return `--mount=type=secret,id=${secret.id},target=${target}`;
        }),
      ]
    : [];
  const options = [
    '--disable-pip-version-check',
    ...(buildkit ? [] : ['--no-cache-dir']),
    ...(spec.pipIndex === undefined ? [] : [`--index-url ${shellArgument(field('pipIndex'), spec.pipIndex)}`]),
    ...spec.pipExtraIndexUrl.map(
      (url, index) => `--extra-index-url ${shellArgument(field(`pipExtraIndexUrl[${index}]`), url)}`,
    ),
    ...spec.pipExtraArgs.map((arg, index) => shellQuote(field(`pipExtraArgs[${index}]`), arg)),
  ];
  return {
    install: (args) =>
      `PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install ${options.join(' ')}${CONTINUE}  ${args.join(' ')}`,
    run: (steps) => {
      const body = steps.join(`${CONTINUE}&& `);
      return mounts.length > 0 ? `RUN ${mounts.join(' ')}${CONTINUE}${body}` : `RUN ${body}`;
    },
  };
}

function packageArgs(spec: ResolvedImageSpec, field: Field): string[] {
  return spec.packages.map((name, index) => shellArgument(field(`packages[${index}]`), name));
}

/**
 * Exports the lock inside the build (see lock-export.ts) and installs it: the packages the
 * lock has hashes for with `--require-hashes`, then those it has none for by version (pip's
 * hash checking covers a whole install or nothing), only when there are any.
 */
function renderLockInstall(kind: 'uv.lock' | 'poetry.lock', entry: ContextEntry, pip: Pip, field: Field): string {
  const script = LOCK_EXPORT_SCRIPT.map((line) => shellQuote(field('requirements'), line));
  return pip.run([
    `mkdir -p /tmp/imagespec && printf '%s\\n'${CONTINUE}  ${script.join(`${CONTINUE}  `)}${CONTINUE}  > ${LOCK_EXPORT_PATH}`,
    `python3 ${LOCK_EXPORT_PATH} ${kind} ${shellQuote(field('requirements'), entry.dest)} ${LOCK_PINS_PATH} ${LOCK_UNHASHED_PATH}`,
    pip.install(['--require-hashes', '--no-deps', `-r ${LOCK_PINS_PATH}`]),
    `if [ -s ${LOCK_UNHASHED_PATH} ]; then ${pip.install(['--no-deps', `-r ${LOCK_UNHASHED_PATH}`])}; fi`,
  ]);
}

function copyLine(entry: ContextEntry, ref: FieldRef): string {
  checkPath({ ...ref, path: `${ref.path} (context path)` }, entry.contextPath, { source: true, spaces: true });
  checkImagePath({ ...ref, path: `${ref.path} (destination)` }, entry.dest, { spaces: true });
  return `COPY ${jsonArray([entry.contextPath, entry.dest])}`;
}

function renderLabels(spec: ResolvedImageSpec, hash: string, field: Field): string[] {
  assertSingleLine(field('hash'), hash);
  const labels = [`${HASH_LABEL}=${dockerfileQuote(field('hash'), hash)}`];
  for (const [key, value] of Object.entries(spec.labels)) {
    const ref = field(`labels.${key}`);
    if (key === HASH_LABEL)
      throw specInvalid(ref, value, `uses the label ${HASH_LABEL}, which imagespec sets to the content hash`);
    labels.push(`${checkLabelKey(ref, key)}=${dockerfileQuote(ref, value)}`);
  }
  return labels;
}
