import type { BuildRequest } from '../contract/builder.js';
import type { BuildEvent } from '../contract/events.js';
import type { ResolvedImageSpec } from '../contract/spec.js';
import { ImagespecError, isImagespecError } from '../errors.js';
import { computeImageIdentity, type ImageIdentity } from '../hash/identity.js';
import type { BuilderSelection, SelectedBuilder } from '../plugin/selection.js';
import type { RegistryClient } from '../registry/client.js';
import { throwIfAborted, toImagespecError, unknownAnswer } from './failure.js';
import type { PlannedImage, ResolveBase } from './plan.js';
import { buildRequest } from './request.js';
import type { PlannedBuild } from './run.js';
import { type SplitSpec, splitSpec } from './split.js';

/** A spec built in two parts, and who builds each. */
export interface SplitChoice {
  readonly cut: SplitSpec;
  /** Appends `cut.top` (the source layer and the settings after it). */
  readonly top: SelectedBuilder;
  /** The builder of `cut.base` (a daemon builder: it runs the steps), chosen only when the base part must be built. */
  readonly selectBase: () => Promise<SelectedBuilder>;
}

/** The base part as the run found or made it. */
export interface BasePartResult {
  readonly image: string;
  readonly hash: string;
  /** Who built or would build it; absent when it was found in the registry. */
  readonly builder?: string;
  readonly status: 'skipped' | 'pushed' | 'planned';
  readonly digest?: string;
}

/**
 * Whether to build a spec in two parts. Automatic, when all of these hold: the run pushes
 * it (the top's builder reads the base part from the registry), no builder is named (a
 * named builder builds the whole spec), the spec copies source, and the builder selection
 * gives the top by priority cannot build the whole spec: a builder that writes layers
 * without running steps, builder-oci, appends the source layer without a daemon, so a
 * source edit builds nothing on one. The base part's builder is not chosen here: a daemon
 * builder is asked whether it is available only when there is a base part to build.
 */
export async function chooseSplit(
  spec: ResolvedImageSpec,
  builders: BuilderSelection,
  options: { readonly push: boolean; readonly explicit: string | undefined; readonly dryRun: boolean },
): Promise<SplitChoice | undefined> {
  const cut = splitCandidate(spec, options);
  if (!cut) return undefined;
  const select = { dryRun: options.dryRun };
  const top = await builders.select(cut.top, undefined, select).catch((error: unknown) => {
    // No builder takes the top alone: build the whole spec as one image.
    if (isImagespecError(error) && error.code === 'BUILDER_UNAVAILABLE') return undefined;
    throw error;
  });
  if (!top || top.builder.supports(spec).ok) return undefined;
  return { cut, top, selectBase: () => builders.select(cut.base, undefined, select) };
}

/** The cut chooseSplit would make, when all its conditions but the builders' hold (no builder is asked). */
export function splitCandidate(
  spec: ResolvedImageSpec,
  options: { readonly push: boolean; readonly explicit: string | undefined },
): SplitSpec | undefined {
  if (!options.push || options.explicit !== undefined || spec.builder !== undefined) return undefined;
  return splitSpec(spec);
}

/** The whole spec's identity with only the source files expected: the top's context is the source alone. */
export function topPart(item: PlannedImage, choice: SplitChoice): PlannedImage {
  const { files } = item.identity;
  return {
    spec: choice.cut.top,
    identity: { ...item.identity, files: { copy: [], ...(files.source && { source: files.source }) } },
  };
}

export interface BasePartContext {
  readonly registryClient: Pick<RegistryClient, 'checkManifest'>;
  readonly force: boolean;
  readonly dryRun: boolean;
  readonly signal: AbortSignal;
  readonly emit: (event: BuildEvent) => void;
  readonly resolveBase?: ResolveBase;
  /** Dry-run plans go here. */
  readonly plans: PlannedBuild[];
}

/**
 * Makes sure each base part is in the registry, once per run for each base part image
 * (a second spec whose cut gives the same image waits for the first): tagged by its own hash, skipped when the registry has it, else built and pushed by its
 * builder. It has its own events (queued, skipped or building, built, pushed) under its
 * own image name. Rejects with the part's error, worded as the base part's.
 */
export function createBaseParts(context: BasePartContext) {
  const parts = new Map<string, Promise<BasePartResult>>();
  const { emit, signal } = context;
  const identityCache = new Map<string, Promise<ImageIdentity>>();
  const checks = new Map<string, ReturnType<RegistryClient['checkManifest']>>();
  const identityOf = (base: ResolvedImageSpec) =>
    computeImageIdentity(base, {
      ...(context.resolveBase && { resolveBase: context.resolveBase }),
      signal,
      cache: identityCache,
    });
  /** One registry check per base part image, started by `prefetch` or by the part itself. */
  const checkOf = (image: string) => {
    let check = checks.get(image);
    if (!check) {
      check = context.registryClient.checkManifest(image, { signal });
      // Awaited by the part if it runs; a prefetched check for a spec that is not cut is dropped.
      check.catch(() => undefined);
      checks.set(image, check);
    }
    return check;
  };

  const run = async (choice: SplitChoice, identity: ImageIdentity, baseImage: string): Promise<BasePartResult> => {
    const spec = choice.cut.base;
    const { image, hash } = identity;
    const stamp = { image, spec: spec.name };
    let builder: SelectedBuilder | undefined;
    const done = (status: BasePartResult['status'], digest?: string): BasePartResult => ({
      image,
      hash,
      ...(builder && { builder: builder.name }),
      status,
      ...(digest && { digest }),
    });
    emit({ type: 'queued', ...stamp, hash });
    try {
      throwIfAborted(signal, image);
      if (!context.force) {
        const check = await checkOf(image);
        if (check.status === 'exists') {
          emit({ type: 'skipped', ...stamp, reason: 'exists', where: 'registry' });
          return done('skipped', check.digest);
        }
        if (check.status === 'unknown') throw unknownAnswer(image, check);
      }
      builder = await choice.selectBase();
      const request: BuildRequest = buildRequest({ spec, identity }, { baseImage, push: true, signal, emit });
      if (context.dryRun) {
        const plan = builder.builder.plan ? await builder.builder.plan(request) : undefined;
        context.plans.push({
          name: spec.name,
          image,
          builder: builder.name,
          part: 'base',
          ...(builder.availability && { availability: builder.availability }),
          ...(plan && { plan }),
        });
        emit({ type: 'skipped', ...stamp, reason: 'dry-run' });
        return done('planned');
      }
      const t0 = Date.now();
      emit({ type: 'building', ...stamp, builder: builder.name });
      const built = await builder.builder.build(request);
      emit({ type: 'built', ...stamp, ...(built.digest && { digest: built.digest }), durationMs: Date.now() - t0 });
      if (!built.pushed) {
        throw new ImagespecError(
          'BUILD_FAILED',
          `Builder "${builder.name}" did not push ${image}, the base part the source layer goes on.`,
          { hint: 'Build the spec with that builder alone (`--builder`), or report this as a bug of the builder.' },
        );
      }
      emit({ type: 'pushed', ...stamp, ...(built.digest && { digest: built.digest }) });
      return done('pushed', built.digest);
    } catch (error) {
      const problem = toImagespecError(error, image, signal, builder?.name);
      emit({
        type: 'failed',
        ...stamp,
        error: { code: problem.code, message: problem.message, ...(problem.hint && { hint: problem.hint }) },
      });
      const by = builder ? `, built by "${builder.name}"` : '';
      throw new ImagespecError(
        problem.code,
        `The base part ${image} (the spec up to its commands${by}) failed: ${problem.message}`,
        {
          ...(problem.hint && { hint: problem.hint }),
          cause: problem,
          ...(problem.details && { details: problem.details }),
        },
      );
    }
  };

  const basePart = async (choice: SplitChoice, baseImage: string): Promise<BasePartResult> => {
    const identity = await identityOf(choice.cut.base);
    let part = parts.get(identity.image);
    if (!part) {
      part = run(choice, identity, baseImage);
      parts.set(identity.image, part);
    }
    return part;
  };
  /**
   * Starts the registry check of a cut's base part while the builders load (selection
   * decides whether the spec is cut): the check needs no builder and no daemon. Emits
   * nothing; a spec that is not cut costs one HEAD.
   */
  const prefetch = (cut: SplitSpec): void => {
    if (context.force) return;
    identityOf(cut.base)
      .then((identity) => checkOf(identity.image))
      .catch(() => undefined);
  };
  return Object.assign(basePart, { prefetch });
}
