/**
 * Test-only helpers for builder-oci's end-to-end tests: specs resolved by core, and core's
 * engine (runWithBuilder from `@imagespec/core/testing`) with the oci builder configured as
 * a definition object, on the real registries and engine of test-env.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type {
  BuildEvent,
  BuilderOption,
  ImageSpecInput,
  RegistryAccess,
  ResolvedImageSpec,
  RunSummary,
} from '@imagespec/core';
import { createRegistryAccess, parseDockerConfig } from '@imagespec/core/registry';
import { normalizeSpec } from '@imagespec/core/spec';
import { type RunWithBuilderOptions, runWithBuilder } from '@imagespec/core/testing';
import { testEnv } from '@imagespec/test-env';
import { onTestFinished } from 'vitest';
import definition from '../src/index.js';
import type { OciBuilderOptionsInput } from '../src/options.js';

/** A temp project folder with the given files (mode per file optional), removed when the test ends. */
export async function makeProject(
  files: Record<string, string | { text: string; mode: number }>,
  parent?: string,
): Promise<string> {
  const dir = await mkdtemp(join(parent ?? tmpdir(), 'imagespec-oci-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  for (const [path, file] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    const { text, mode } = typeof file === 'string' ? { text: file, mode: 0o644 } : file;
    await writeFile(join(dir, path), text, { mode });
  }
  return dir;
}

export function resolveSpec(input: ImageSpecInput, dir: string): ResolvedImageSpec {
  return normalizeSpec(input, { dir });
}

export function registryAccess(
  dockerConfig: Record<string, unknown> = { auths: {} },
  registries: Record<string, { ca?: string; insecure?: boolean }> = {},
): RegistryAccess {
  return createRegistryAccess({
    dockerConfig: parseDockerConfig(JSON.stringify(dockerConfig)),
    env: {},
    registries,
  });
}

/** One run of core's engine with the oci builder alone, or with `others` configured beside it (`oci: false`: without it). */
export function runEngine(
  specs: readonly ResolvedImageSpec[],
  options: RunWithBuilderOptions & {
    builder?: OciBuilderOptionsInput;
    others?: readonly BuilderOption[];
    oci?: boolean;
  } = {},
): Promise<{ summary: RunSummary; events: BuildEvent[] }> {
  const { builder, others = [], oci, ...run } = options;
  const configured: BuilderOption = [definition, { engine: testEnv().dockerSocket, network: 'host', ...builder }];
  return runWithBuilder([...(oci === false ? [] : [configured]), ...others], specs, {
    access: registryAccess(),
    ...run,
  });
}

export function uniqueName(prefix: string): string {
  return `imagespec-oci-test/${prefix}-${randomUUID().slice(0, 8)}`;
}

/** The docker CLI against the test engine; returns stdout, throws on a non-zero exit. */
export function docker(...args: string[]): string {
  return execFileSync('docker', ['-H', `unix://${testEnv().dockerSocket}`, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** GET of a manifest or index through the registry API (plain HTTP test registries). */
export async function registryManifest(
  url: string,
  repository: string,
  reference: string,
): Promise<{
  status: number;
  mediaType: string | null;
  digestHeader: string | null;
  body: Record<string, unknown> | undefined;
}> {
  const response = await fetch(`${url}/v2/${repository}/manifests/${reference}`, {
    headers: {
      accept: [
        'application/vnd.oci.image.index.v1+json',
        'application/vnd.oci.image.manifest.v1+json',
        'application/vnd.docker.distribution.manifest.list.v2+json',
        'application/vnd.docker.distribution.manifest.v2+json',
      ].join(', '),
    },
  });
  const text = await response.text();
  return {
    status: response.status,
    mediaType: response.headers.get('content-type'),
    digestHeader: response.headers.get('docker-content-digest'),
    body: response.ok ? (JSON.parse(text) as Record<string, unknown>) : undefined,
  };
}
