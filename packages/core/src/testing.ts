/**
 * `@imagespec/core/testing`: the build request core's engine gives a builder, for builder
 * packages' tests. The request is the engine's own (`buildRequest` over the real plan and
 * identity of a spec), so a builder's tests run the Dockerfile, context tar, context
 * entries, event stamping and file checks the engine runs, not a copy of them. Not part of
 * `@imagespec/core/builder`: a builder's runtime never loads it.
 */
import type { BuildEvent, BuildRequest, ResolvedImageSpec } from './builder.js';
import { type PlannedImage, planBuilds, type ResolveBase } from './engine/plan.js';
import { buildRequest } from './engine/request.js';
import { ImagespecError } from './errors.js';
import type { ImageIdentity } from './hash/identity.js';
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
