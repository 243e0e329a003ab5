/**
 * `@imagespec/core/engine`: a run: the builder host, the plan (identities, bases first) and the
 * builds.
 */

export type { CreateBuilderHostOptions, EngineHost } from './host.js';
export { createBuilderHost } from './host.js';
export type { PlannedImage, PlanOptions, ResolveBase } from './plan.js';
export { planBuilds } from './plan.js';
export type { ImageResult, ImageStatus, PlannedBuild, RunBuildsOptions, RunSummary } from './run.js';
export { DEFAULT_CONCURRENCY, runBuilds } from './run.js';
export type { SplitSpec } from './split.js';
export { splitSpec } from './split.js';
export type { BasePartResult } from './split-build.js';
export { renderSplitExplain } from './split-explain.js';
