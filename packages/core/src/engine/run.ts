import { setMaxListeners } from 'node:events';
import pLimit from 'p-limit';
import type { ResolvedConfig } from '../config/define.js';
import type { BuildPlan, RegistryAccess } from '../contract/builder.js';
import type { BuildEvent } from '../contract/events.js';
import type { ResolvedImageSpec } from '../contract/spec.js';
import { ImagespecError, isImagespecError } from '../errors.js';
import type { ImageIdentity } from '../hash/identity.js';
import type { BuilderSelection, SelectedBuilder } from '../plugin/selection.js';
import { createRegistryBlobClient } from '../registry/blob-client.js';
import type { RegistryClient } from '../registry/client.js';
import { redactCredentials } from '../spec/redact.js';
import { putExtraTags, type RetagClient, renderExtraTags } from './extra-tags.js';
import { throwIfAborted, toImagespecError, unknownAnswer } from './failure.js';
import { type PlannedImage, planBuilds, type ResolveBase } from './plan.js';
import { redactingSink } from './redact.js';
import { buildRequest } from './request.js';
import { type BasePartResult, chooseSplit, createBaseParts, splitCandidate, topPart } from './split-build.js';

export const DEFAULT_CONCURRENCY = 2;

export interface RunBuildsOptions {
  /** Specs as loaded (config defaults applied); base specs are found through `baseImage`. */
  readonly specs: readonly ResolvedImageSpec[];
  readonly config: ResolvedConfig;
  readonly builders: BuilderSelection;
  readonly registryClient: Pick<RegistryClient, 'checkManifest'>;
  readonly access: RegistryAccess;
  /** Push what is built (default: when the spec names a registry). False keeps images local. */
  readonly push?: boolean;
  /** Build even when the registry has the image. */
  readonly force?: boolean;
  /** Check the registry and ask builders for their plan; build nothing. */
  readonly dryRun?: boolean;
  /** Overrides every spec's platforms. */
  readonly platform?: readonly string[];
  /** Overrides every spec's builder (`--builder`). */
  readonly builder?: string;
  /** Images built at once (default: config `defaults.concurrency`, else 2). */
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: BuildEvent) => void;
  /** Lock hook: base reference -> pinned reference. */
  readonly resolveBase?: ResolveBase;
  /** PlanOptions.identities: identities already computed with this `resolveBase` (by lint). */
  readonly identities?: Map<string, Promise<ImageIdentity>>;
  /** Puts specs' extra `tags` (default: core's registry client over `access`). */
  readonly retagClient?: RetagClient;
}

export type ImageStatus = 'skipped' | 'built' | 'pushed' | 'failed' | 'planned';

export interface ImageResult {
  readonly name: string;
  /** The image the run produced or found (a noop build reports the base image it uses as is). */
  readonly image: string;
  readonly hash: string;
  readonly status: ImageStatus;
  readonly builder?: string;
  readonly digest?: string;
  /** The extra tags put on the same digest, as full references (spec `tags`). */
  readonly tags?: readonly string[];
  /** Built in two parts (split.ts): the base part (the spec up to its commands) as the run found or made it; `builder` then appended the rest. */
  readonly split?: BasePartResult;
  readonly durationMs: number;
  readonly error?: { readonly code: string; readonly message: string; readonly hint?: string };
}

export interface PlannedBuild {
  readonly name: string;
  readonly image: string;
  readonly builder: string;
  /** Why the builder's availability is not confirmed (a dry run checks no daemon it was asked for by name). */
  readonly availability?: string;
  /** What the builder would run; absent when the builder has no `plan`. */
  readonly plan?: BuildPlan;
  /** In a split build: `base` is the spec up to its commands (its own image), `top` the source layer and settings appended to it under the spec's tag. */
  readonly part?: 'base' | 'top';
}

export interface RunSummary {
  /** One entry per distinct image, bases before dependents. */
  readonly images: readonly ImageResult[];
  /** With dryRun: what each builder would run. */
  readonly plans: readonly PlannedBuild[];
  readonly durationMs: number;
}

/**
 * plan -> for each image (bases first, at most `concurrency` at once): registry check ->
 * exists: skip; absent: build (and push); unknown: fail with the registry's answer, never
 * build on a guess. A failed base fails its dependents; other images go on. On abort,
 * running builders get the signal and are waited for; the rest fail as CANCELLED.
 */
export async function runBuilds(options: RunBuildsOptions): Promise<RunSummary> {
  const started = Date.now();
  const emit = redactingSink(options.onEvent);
  const signal = options.signal ?? new AbortController().signal;
  // Every running build, context stream and hash worker listens for the abort: with a graph
  // of many specs that is more than Node's leak warning allows, and none of them leaks.
  setMaxListeners(0, signal);
  const planned = await planBuilds(options.specs, {
    ...(options.platform && { platform: options.platform }),
    ...(options.resolveBase && { resolveBase: options.resolveBase }),
    ...(options.identities && { identities: options.identities }),
    signal,
  }).catch((error: unknown) => {
    // Cancelled while hashing: nothing was queued yet, so the run as a whole is cancelled.
    if (signal.aborted && !isImagespecError(error)) {
      throw new ImagespecError('CANCELLED', 'The run was cancelled while computing image tags.', {
        cause: signal.reason,
      });
    }
    throw error;
  });
  // Rendered before anything is built: a spec that cannot have its tags is bad input.
  const extraTags = await renderExtraTags(planned);
  let retagClient = options.retagClient;
  /**
   * An image that is in the registry (pushed now, or found and skipped) gets its extra tags
   * put again each run: `latest` must follow the newest content tag. Not in a dry run, not
   * for an image kept local (`push: false`).
   */
  const tagged = async (item: PlannedImage, done: ImageResult): Promise<ImageResult> => {
    const tags = extraTags.get(item.identity.image);
    if (!tags || tags.length === 0) return done;
    retagClient ??= createRegistryBlobClient({ access: options.access });
    try {
      return { ...done, tags: await putExtraTags(retagClient, item, tags, { signal, emit }) };
    } catch (error) {
      if (!isImagespecError(error) || error.code === 'CANCELLED' || signal.aborted) throw error;
      throw new ImagespecError(
        error.code,
        `${item.identity.image} is in the registry, but its extra tags could not all be put: ${error.message}`,
        { ...(error.hint && { hint: error.hint }), details: { ...error.details, tags }, cause: error },
      );
    }
  };
  const limit = pLimit(Math.max(1, options.concurrency ?? options.config.defaults.concurrency ?? DEFAULT_CONCURRENCY));
  const plans: PlannedBuild[] = [];
  const results = new Map<string, Promise<ImageResult>>();
  for (const item of planned)
    emit({ type: 'queued', image: item.identity.image, spec: item.spec.name, hash: item.identity.hash });
  const baseParts = createBaseParts({
    registryClient: options.registryClient,
    force: Boolean(options.force),
    dryRun: Boolean(options.dryRun),
    signal,
    emit,
    plans,
    ...(options.resolveBase && { resolveBase: options.resolveBase }),
  });

  const processImage = async (item: PlannedImage, baseResult: ImageResult | undefined): Promise<ImageResult> => {
    const t0 = Date.now();
    const { spec, identity } = item;
    const { image, hash } = identity;
    const stamp = { image, spec: spec.name };
    let selected: SelectedBuilder | undefined;
    try {
      throwIfAborted(signal, image);
      if (!options.force && spec.registry !== undefined) {
        const check = await options.registryClient.checkManifest(image, { signal });
        if (check.status === 'exists') {
          emit({ type: 'skipped', ...stamp, reason: 'exists', where: 'registry' });
          return await tagged(item, result(item, 'skipped', t0, { ...(check.digest && { digest: check.digest }) }));
        }
        if (check.status === 'unknown') throw unknownAnswer(image, check);
      }
      throwIfAborted(signal, image);
      const push = (options.push ?? true) && spec.registry !== undefined;
      const dryRun = Boolean(options.dryRun);
      // A base spec built by a builder that returned another image (noop: the base as is) is FROM that image.
      const baseImage = options.access.mirror(baseResult ? baseResult.image : identity.baseImage);
      // The base part's check runs while chooseSplit loads the builders that decide the cut.
      const candidate = splitCandidate(spec, { push, explicit: options.builder });
      if (candidate) baseParts.prefetch(candidate);
      const split = await chooseSplit(spec, options.builders, { push, explicit: options.builder, dryRun });
      // Split: the base part first (found in the registry, or built by its builder), then the top appended FROM it.
      const part = split && (await baseParts(split, baseImage));
      selected = split ? split.top : await options.builders.select(spec, options.builder, { dryRun });
      const request =
        split && part
          ? buildRequest(topPart(item, split), { baseImage: options.access.mirror(part.image), push, signal, emit })
          : buildRequest(item, { baseImage, push, signal, emit, mirror: (ref) => options.access.mirror(ref) });
      // A dry run whose builder was not checked must not reach its daemon.
      if (!options.force && spec.registry === undefined && selected.availability === undefined) {
        if (selected.builder.exists && (await selected.builder.exists(image, { signal }))) {
          emit({ type: 'skipped', ...stamp, reason: 'exists', where: 'local' });
          return result(item, 'skipped', t0, { builder: selected.name });
        }
      }
      if (options.dryRun) {
        const plan = selected.builder.plan ? await selected.builder.plan(request) : undefined;
        plans.push({
          name: spec.name,
          image,
          builder: selected.name,
          ...(selected.availability && { availability: selected.availability }),
          ...(plan && { plan }),
          ...(part && { part: 'top' as const }),
        });
        emit({ type: 'skipped', ...stamp, reason: 'dry-run' });
        return result(item, 'planned', t0, { builder: selected.name, ...(part && { split: part }) });
      }
      emit({ type: 'building', ...stamp, builder: selected.name });
      const built = await selected.builder.build(request);
      const durationMs = Date.now() - t0;
      emit({ type: 'built', ...stamp, ...(built.digest && { digest: built.digest }), durationMs });
      if (built.pushed) emit({ type: 'pushed', ...stamp, ...(built.digest && { digest: built.digest }) });
      const done: ImageResult = {
        name: spec.name,
        image: built.image,
        hash,
        status: built.pushed ? 'pushed' : 'built',
        builder: selected.name,
        ...(built.digest && { digest: built.digest }),
        ...(part && { split: part }),
        durationMs,
      };
      return built.pushed ? await tagged(item, done) : done;
    } catch (error) {
      return fail(item, t0, error, selected?.name);
    }
  };

  const fail = (item: PlannedImage, t0: number, error: unknown, builder?: string): ImageResult => {
    const { image, hash } = item.identity;
    const problem = toImagespecError(error, image, signal, builder);
    const summary = redactCredentials({
      code: problem.code,
      message: problem.message,
      ...(problem.hint && { hint: problem.hint }),
    });
    emit({ type: 'failed', image, spec: item.spec.name, error: summary });
    return {
      name: item.spec.name,
      image,
      hash,
      status: 'failed',
      ...(builder && { builder }),
      durationMs: t0 === 0 ? 0 : Date.now() - t0,
      error: summary,
    };
  };

  for (const item of planned) {
    const { image } = item.identity;
    const base = item.dependsOn === undefined ? undefined : results.get(item.dependsOn);
    results.set(
      image,
      (async () => {
        const baseResult = await base;
        if (baseResult?.status === 'failed') {
          return fail(
            item,
            0,
            new ImagespecError(
              'BUILD_FAILED',
              `${image} was not built because its base ${baseResult.image} failed: ${baseResult.error?.message ?? 'unknown error'}`,
              {
                hint: 'Fix the base image first; this image builds once its base does.',
              },
            ),
          );
        }
        return limit(() => processImage(item, baseResult));
      })(),
    );
  }

  const images = await Promise.all([...results.values()]);
  return { images, plans, durationMs: Date.now() - started };
}

function result(
  item: PlannedImage,
  status: ImageStatus,
  t0: number,
  extra: { builder?: string; digest?: string; split?: BasePartResult } = {},
): ImageResult {
  return {
    name: item.spec.name,
    image: item.identity.image,
    hash: item.identity.hash,
    status,
    ...extra,
    durationMs: Date.now() - t0,
  };
}
