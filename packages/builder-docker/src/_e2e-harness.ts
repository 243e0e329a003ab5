/**
 * Test-only helpers for the end-to-end tests: a real builder on the test engine, specs
 * resolved and rendered by core, and a build request the way core's engine makes one.
 *
 * Until core's engine (runBuilds), hash and context tar land, this file stands in for the
 * few engine steps the tests need: a content tag (sha256 of the rendered Dockerfile and the
 * context bytes), the deterministic context tar, and the registry check that skips a
 * build whose tag exists. When they land, the tests switch to runBuilds.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import type {
  Builder,
  BuilderEvent,
  BuildRequest,
  BuildResult,
  DockerfileDialect,
  ImageSpecInput,
  RegistryAccess,
  ResolvedImageSpec,
} from '@imagespec/core';
import * as core from '@imagespec/core';
import { testEnv } from '@imagespec/test-env';
import tar from 'tar-stream';
import definition from './index.js';
import type { DockerBuilderOptionsInput } from './options.js';

type CoreInternals = {
  normalizeSpec(input: ImageSpecInput, origin: { dir: string }): ResolvedImageSpec;
  renderDockerfile(
    spec: ResolvedImageSpec,
    options: { dialect: DockerfileDialect; baseImage: string; hash: string },
  ): string;
};

/** core's normalizeSpec and renderDockerfile: from its index once exported, from their agreed modules until then. */
async function coreInternals(): Promise<CoreInternals> {
  const fromIndex = core as unknown as Partial<CoreInternals>;
  if (fromIndex.normalizeSpec && fromIndex.renderDockerfile) return fromIndex as CoreInternals;
  const deep = (path: string) => import(/* @vite-ignore */ new URL(`../../core/src/${path}`, import.meta.url).href);
  const [normalize, render] = await Promise.all([deep('spec/normalize.ts'), deep('dockerfile/render.ts')]);
  return { normalizeSpec: normalize.normalizeSpec, renderDockerfile: render.renderDockerfile };
}

/** A temp project folder with the given files. */
export async function makeProject(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'imagespec-e2e-'));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

export async function resolveSpec(input: ImageSpecInput, dir: string): Promise<ResolvedImageSpec> {
  return (await coreInternals()).normalizeSpec(input, { dir });
}

/** Registry access with credentials for the htpasswd registry (or the ones given). */
export function registryAccess(
  credentials: Record<string, { username: string; password: string }> = {},
): RegistryAccess {
  const auths = Object.fromEntries(
    Object.entries(credentials).map(([host, c]) => [
      host,
      { auth: Buffer.from(`${c.username}:${c.password}`).toString('base64') },
    ]),
  );
  return core.createRegistryAccess({ dockerConfig: core.parseDockerConfig(JSON.stringify({ auths })), env: {} });
}

export async function createTestBuilder(
  options: DockerBuilderOptionsInput = {},
  access: RegistryAccess = registryAccess(),
): Promise<Builder & { exists(image: string): Promise<boolean> }> {
  const parsed = definition.optionsSchema?.safeParse({
    socketPath: testEnv().dockerSocket,
    network: 'host',
    ...options,
  });
  if (!parsed?.success) throw new Error(`bad builder options: ${JSON.stringify(parsed?.error.issues)}`);
  const logger = { debug() {}, info() {}, warn: (message: string) => console.warn(message) };
  const builder = await definition.create(parsed.data, {
    logger,
    registries: access,
    cwd: process.cwd(),
    env: {},
    tempDir: () => Promise.reject(new Error('the docker builder needs no temp dir')),
  });
  return builder as Builder & { exists(image: string): Promise<boolean> };
}

export interface Prepared {
  readonly request: BuildRequest;
  readonly events: BuilderEvent[];
  readonly tag: string;
}

/** The build request core's engine would make for a spec (tag = stand-in content hash). */
export async function prepareBuild(
  spec: ResolvedImageSpec,
  options: { push?: boolean; signal?: AbortSignal; dialectForHash?: DockerfileDialect } = {},
): Promise<Prepared> {
  const { renderDockerfile } = await coreInternals();
  const baseImage = typeof spec.baseImage === 'string' ? spec.baseImage : '';
  const files = await contextFiles(spec);
  const digest = createHash('sha256').update(renderDockerfile(spec, { dialect: 'buildkit', baseImage, hash: '' }));
  for (const [path, data] of files) digest.update(`${path}\0`).update(data);
  const hash = digest.digest('hex').slice(0, 26);
  const repository = `${spec.registry ?? 'imagespec-e2e'}/${spec.name}`;
  const image = `${repository}:${hash}`;
  const events: BuilderEvent[] = [];
  const request: BuildRequest = {
    spec,
    image,
    hash,
    baseImage,
    push: options.push ?? spec.registry !== undefined,
    platforms: spec.platforms,
    secrets: spec.pipSecretMounts,
    dockerfile: (dialect) => renderDockerfile(spec, { dialect, baseImage, hash }),
    context: ({ dialect }) => contextStream(renderDockerfile(spec, { dialect, baseImage, hash }), files),
    events: { emit: (event) => events.push(event) },
    signal: options.signal ?? new AbortController().signal,
  };
  return { request, events, tag: hash };
}

/** The engine's decision for one image: skip when the registry has the tag, else build (and push). */
export async function ensureImage(
  builder: Builder,
  prepared: Prepared,
  options: { force?: boolean; access?: RegistryAccess } = {},
): Promise<{ skipped: true } | { skipped: false; result: BuildResult }> {
  if (!options.force && prepared.request.push) {
    const client = core.createRegistryClient({ access: options.access ?? registryAccess() });
    const check = await client.checkManifest(prepared.request.image);
    if (check.status === 'exists') return { skipped: true };
    if (check.status === 'unknown') throw new Error(`registry check failed: ${check.reason}`);
  }
  return { skipped: false, result: await builder.build(prepared.request) };
}

/** Step events of a build, as "status name". */
export function stepLines(events: readonly BuilderEvent[]): string[] {
  return events.flatMap((event) => (event.type === 'step' ? [`${event.status} ${event.name}`] : []));
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

async function contextFiles(spec: ResolvedImageSpec): Promise<[string, Buffer][]> {
  const { readFile, stat } = await import('node:fs/promises');
  const layout = core.computeContextLayout(spec);
  const entries = [
    ...(layout.requirements ? [layout.requirements] : []),
    ...layout.copy,
    ...(layout.source ? [layout.source] : []),
  ];
  const files: [string, Buffer][] = [];
  for (const entry of entries) {
    if ((await stat(entry.hostPath)).isDirectory()) {
      for await (const file of core.walkFiles(entry.hostPath)) {
        if (file.kind !== 'file') continue;
        files.push([`${entry.contextPath}/${file.path}`, await readFile(file.absPath)]);
      }
    } else {
      files.push([entry.contextPath, await readFile(entry.hostPath)]);
    }
  }
  return files;
}

function contextStream(dockerfile: string, files: readonly [string, Buffer][]): NodeJS.ReadableStream {
  const pack = tar.pack();
  const out = new PassThrough();
  pack.pipe(out);
  const mtime = new Date(0);
  pack.entry({ name: 'Dockerfile', mtime, mode: 0o644 }, dockerfile);
  for (const [name, data] of files) pack.entry({ name, mtime, mode: 0o644 }, data);
  pack.finalize();
  return out;
}
