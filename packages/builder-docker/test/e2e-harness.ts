/**
 * Test-only helpers for the end-to-end tests: a real builder on the test engine, specs
 * resolved by core, and core's engine (runBuilds) with this builder configured as a
 * definition object. A single build's request is core's own: `createBuildRequest` from
 * `@imagespec/core/testing`.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  BuildEvent,
  Builder,
  BuildRequest,
  ImageSpecInput,
  RegistryAccess,
  ResolvedImageSpec,
  RunSummary,
} from '@imagespec/core';
import { createRegistryAccess, parseDockerConfig } from '@imagespec/core/registry';
import { normalizeSpec } from '@imagespec/core/spec';
import { type RunWithBuilderOptions, runWithBuilder, writeProject } from '@imagespec/core/testing';
import { testEnv } from '@imagespec/test-env';
import { onTestFinished } from 'vitest';
import definition from '../src/index.js';
import type { DockerBuilderOptionsInput } from '../src/options.js';

/** The docker builder with its existence check for images that live in no registry. */
export type LocalBuilder = Builder & { exists(image: string): Promise<boolean> };

/** A temp project folder with the given files, removed when the test ends. */
export async function makeProject(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'imagespec-e2e-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  await writeProject(dir, files);
  return dir;
}

export async function resolveSpec(input: ImageSpecInput, dir: string): Promise<ResolvedImageSpec> {
  return normalizeSpec(input, { dir });
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
  return createRegistryAccess({ dockerConfig: parseDockerConfig(JSON.stringify({ auths })), env: {} });
}

export async function createTestBuilder(
  options: DockerBuilderOptionsInput = {},
  access: RegistryAccess = registryAccess(),
  log: { debug?: (message: string) => void } = {},
): Promise<LocalBuilder> {
  const parsed = definition.optionsSchema?.safeParse({
    socketPath: testEnv().dockerSocket,
    network: 'host',
    ...options,
  });
  if (!parsed?.success) throw new Error(`bad builder options: ${JSON.stringify(parsed?.error.issues)}`);
  const logger = { debug: log.debug ?? (() => {}), info() {}, warn: (message: string) => console.warn(message) };
  const builder = await definition.create(parsed.data, {
    logger,
    registries: access,
    cwd: process.cwd(),
    env: {},
    tempDir: () => Promise.reject(new Error('the docker builder needs no temp dir')),
  });
  return builder as LocalBuilder;
}

/** One run of core's engine with this builder (a definition object in the config) on the test engine. */
export async function runEngine(
  specs: readonly ResolvedImageSpec[],
  options: RunWithBuilderOptions & {
    builder?: DockerBuilderOptionsInput;
    /** Runs after the engine made the request (the tag is computed), before the builder gets it. */
    beforeBuild?: (request: BuildRequest) => Promise<void>;
  } = {},
): Promise<{ summary: RunSummary; events: BuildEvent[]; builderEvents: BuildEvent[] }> {
  const { builder, beforeBuild, ...run } = options;
  const configured: typeof definition = beforeBuild
    ? {
        ...definition,
        async create(options, builderHost) {
          const inner = (await definition.create(options, builderHost)) as LocalBuilder;
          return {
            available: () => inner.available(),
            supports: (spec) => inner.supports(spec),
            exists: (image: string) => inner.exists(image),
            async build(request) {
              await beforeBuild(request);
              return inner.build(request);
            },
          } as LocalBuilder;
        },
      }
    : definition;
  const builderOptions = { socketPath: testEnv().dockerSocket, network: 'host', ...builder };
  const { summary, events } = await runWithBuilder([configured, builderOptions], specs, run);
  // What the builder emitted (steps and logs), as the engine stamped it.
  const builderEvents = events.filter((event) => event.type === 'step' || event.type === 'log');
  return { summary, events, builderEvents };
}

/** Step events of a build, as "status name". */
export function stepLines(events: readonly BuildEvent[]): string[] {
  return events.flatMap((event) => (event.type === 'step' ? [`${event.status} ${event.name}`] : []));
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** The docker CLI against the test engine; returns stdout, throws on a non-zero exit. */
export function docker(...args: string[]): string {
  return execFileSync('docker', ['-H', `unix://${testEnv().dockerSocket}`, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** The rejection of a promise that must reject (a test failure when it resolves). */
export async function caught(
  promise: Promise<unknown>,
): Promise<Error & { code?: string; hint?: string; details?: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

/** Polls `check` until it holds or `ms` passed; its last answer. */
export async function waitUntil(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  return check();
}

/** HTTP status of a manifest HEAD in a registry (200 there, 404 not). */
export async function manifestStatus(registryUrl: string, image: string): Promise<number> {
  const [, repository, tag] = /^[^/]+\/(.+):([^:]+)$/.exec(image) ?? [];
  const response = await fetch(`${registryUrl}/v2/${repository}/manifests/${tag}`, {
    method: 'HEAD',
    headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' },
  });
  return response.status;
}
