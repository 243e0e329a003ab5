/**
 * `@imagespec/core/testing`: core's engine as a builder package's tests need it. The request
 * is the engine's own (`buildRequest` over the real plan and identity of a spec), so a
 * builder's tests run the Dockerfile, context tar, context entries, event stamping and file
 * checks the engine runs, not a copy of them; a whole run is `runBuilds` with that builder
 * alone. Not part of `@imagespec/core/builder`: a builder's runtime never loads it.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { BuildEvent, BuildRequest, RegistryAccess, ResolvedImageSpec } from './builder.js';
import type { BuilderOption } from './config/define.js';
import { createBuilderHost } from './engine/host.js';
import { type PlannedImage, planBuilds, type ResolveBase } from './engine/plan.js';
import { buildRequest } from './engine/request.js';
import { type RunBuildsOptions, type RunSummary, runBuilds } from './engine/run.js';
import { ImagespecError } from './errors.js';
import type { ImageIdentity } from './hash/identity.js';
import { createBuilderSelection } from './plugin/selection.js';
import { createRegistryAccess } from './registry/access.js';
import { createRegistryClient } from './registry/client.js';
import type { ImageSpec } from './spec/fluent.js';
import { loadSpecFile } from './spec/load.js';

/** A spec to build: resolved, fluent (`imageSpec(...)`), or one spec of a spec file. */
export type TestSpecSource =
  | ResolvedImageSpec
  | ImageSpec
  | {
      readonly file: string;
      /** Which spec of the file (required when it holds several). */
      readonly name?: string;
      /** Where `${VAR}` in the file's values is looked up (default: none set). */
      readonly env?: Readonly<Record<string, string | undefined>>;
    };

export interface CreateBuildRequestOptions {
  /** Default: as the engine decides it, push when the spec has a registry. */
  readonly push?: boolean;
  /** The FROM the request carries. Default: the identity's base image (the engine's, without mirrors). */
  readonly baseImage?: string;
  readonly signal?: AbortSignal;
  /** `--platform`: overrides the spec's platforms, as the engine's plan does. */
  readonly platform?: readonly string[];
  readonly resolveBase?: ResolveBase;
  /** Called with each event the builder emits, stamped as the engine stamps it. */
  readonly onEvent?: (event: BuildEvent) => void;
}

export interface TestBuildRequest {
  readonly request: BuildRequest;
  readonly identity: ImageIdentity;
  /** The events the builder emitted through `request.events`, stamped with image and spec. */
  readonly events: BuildEvent[];
}

/** The request the engine would give a builder for this spec (its base specs are planned, not built). */
export async function createBuildRequest(
  source: TestSpecSource,
  options: CreateBuildRequestOptions = {},
): Promise<TestBuildRequest> {
  const spec = await resolveSource(source);
  const plan = await planBuilds([spec], {
    ...(options.platform && { platform: options.platform }),
    ...(options.resolveBase && { resolveBase: options.resolveBase }),
    ...(options.signal && { signal: options.signal }),
  });
  // A spec comes after the bases it is built FROM.
  const item = plan.at(-1) as PlannedImage;
  const events: BuildEvent[] = [];
  const request = buildRequest(item, {
    baseImage: options.baseImage ?? item.identity.baseImage,
    push: options.push ?? item.spec.registry !== undefined,
    signal: options.signal ?? new AbortController().signal,
    emit: (event) => {
      events.push(event);
      options.onEvent?.(event);
    },
  });
  return { request, identity: item.identity, events };
}

async function resolveSource(source: TestSpecSource): Promise<ResolvedImageSpec> {
  if ('resolve' in source && typeof source.resolve === 'function') return source.resolve();
  if (!('file' in source)) return source as ResolvedImageSpec;
  const { specs } = await loadSpecFile(source.file, { env: source.env ?? {} });
  const named = source.name === undefined ? specs : specs.filter((spec) => spec.name === source.name);
  if (named.length === 1) return named[0] as ResolvedImageSpec;
  throw new ImagespecError(
    'SPEC_NOT_FOUND',
    `${source.file} has ${named.length === 0 ? 'no spec' : 'several specs'}${source.name === undefined ? '' : ` named ${source.name}`}: createBuildRequest needs one.`,
    { hint: `Pass the spec's name: { file, name } (the file has ${specs.map((spec) => spec.name).join(', ')}).` },
  );
}

export interface RunWithBuilderOptions
  extends Partial<Pick<RunBuildsOptions, 'force' | 'push' | 'dryRun' | 'signal' | 'concurrency' | 'onEvent'>> {
  /** Registries and credentials (default: loopback registries, no credentials). */
  readonly access?: RegistryAccess;
  /** The builder host's environment (default: empty). */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * One run of the engine (`runBuilds`) with these builders alone (a definition, or
 * `[definition, options]`, or a list of them, as a config lists them), from a temp folder
 * removed afterwards.
 */
export async function runWithBuilder(
  builder: BuilderOption,
  specs: readonly ResolvedImageSpec[],
  options: RunWithBuilderOptions = {},
): Promise<{ summary: RunSummary; events: BuildEvent[] }> {
  const { access: given, env, onEvent, ...run } = options;
  const dir = await mkdtemp(join(tmpdir(), 'imagespec-run-'));
  // No home of the user's: no Docker config, so no credentials but the ones given.
  const access = given ?? createRegistryAccess({ env: {}, home: dir });
  const host = createBuilderHost({
    logger: { debug() {}, info() {}, warn: (message) => console.warn(message) },
    registries: access,
    cwd: dir,
    env: env ?? {},
  });
  const builders = createBuilderSelection([builder], host);
  const events: BuildEvent[] = [];
  try {
    const summary = await runBuilds({
      ...run,
      specs,
      config: { dir, builders: [], defaults: {}, registries: {}, mirrors: {} },
      builders,
      registryClient: createRegistryClient({ access }),
      access,
      onEvent: (event) => {
        events.push(event);
        onEvent?.(event);
      },
    });
    return { summary, events };
  } finally {
    await builders.dispose();
    await host.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Writes each file (a POSIX path under `dir` -> its text) into `dir`, creating folders on the way. */
export async function writeProject(dir: string, files: Readonly<Record<string, string>>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
}

export interface DockerfileSpecProjectOptions {
  /** The key under `images:`. */
  readonly key: string;
  readonly name: string;
  readonly registry: string;
  /** The image the Dockerfile's `BASE` build arg names (FROM ${BASE}). */
  readonly base: string;
  readonly verify?: readonly string[];
}

const specYaml = (options: DockerfileSpecProjectOptions, extraArgs: readonly string[]) =>
  [
    'images:',
    `  ${options.key}:`,
    `    name: ${options.name}`,
    `    registry: ${options.registry}`,
    '    dockerfile: docker/app.Dockerfile',
    '    context: .',
    '    target: runtime',
    '    buildArgs:',
    `      BASE: ${JSON.stringify(options.base)}`,
    ...extraArgs,
    `    verify: ${JSON.stringify(options.verify ?? [])}`,
    '',
  ].join('\n');

/**
 * The project of a spec that brings its own Dockerfile, as builders' stand-in tests check
 * what their executor is handed: `docker/app.Dockerfile` with a build stage, the `runtime`
 * target (a build arg in FROM) and a stage after it; a Dockerfile of the project's own at the
 * context's root, and a `.dockerignore` that leaves `secret.txt` out.
 */
export function dockerfileSpecProject(options: DockerfileSpecProjectOptions): Record<string, string> {
  return {
    'imagespec.yaml': specYaml(options, []),
    'docker/app.Dockerfile': [
      'ARG BASE=none',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a Dockerfile's ARG, not a template
      'FROM ${BASE} AS build',
      'RUN echo built > /built.txt',
      'FROM $BASE AS runtime',
      'COPY --from=build /built.txt /srv/',
      'COPY . /ctx',
      'FROM runtime AS debug',
      'RUN echo debug',
      '',
    ].join('\n'),
    Dockerfile: 'FROM scratch\n# a Dockerfile of the project, not the one the spec names\n',
    '.dockerignore': 'secret.txt\n',
    'app.txt': 'app content\n',
    'secret.txt': 'never sent\n',
  };
}

/**
 * The same shape for real-daemon tests, runnable: the build stage copies `src/main.txt`
 * (holding `nonce`, so each run builds anew) and a build arg the spec sets to
 * `from-the-spec` into /srv; the image's CMD prints /srv/app.txt; the debug stage after the
 * target writes /debug.txt; `ignored/` is left out by the `.dockerignore`.
 */
export function runnableDockerfileSpecProject(
  options: DockerfileSpecProjectOptions & { readonly nonce: string },
): Record<string, string> {
  return {
    'imagespec.yaml': specYaml(options, ['      MSG: from-the-spec']),
    'docker/app.Dockerfile': [
      'ARG BASE=none',
      'ARG MSG=from-the-default',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a Dockerfile's ARG, not a template
      'FROM ${BASE} AS build',
      'ARG MSG',
      'COPY src/ /src/',
      'RUN mkdir -p /out && cat /src/main.txt > /out/app.txt && echo "$MSG" > /out/msg.txt',
      'FROM $BASE AS runtime',
      'COPY --from=build /out/ /srv/',
      'COPY . /ctx',
      'CMD ["cat", "/srv/app.txt"]',
      'FROM runtime AS debug',
      'RUN echo debug > /debug.txt',
      '',
    ].join('\n'),
    Dockerfile: 'FROM scratch\n',
    '.dockerignore': 'ignored/\n',
    'ignored/notes.txt': 'not sent\n',
    'src/main.txt': `hello ${options.nonce}\n`,
  };
}
