import type { ResolvedImageSpec } from '../contract/spec.js';
import type { IssuePath } from './issues.js';

/**
 * Where a loaded spec's fields were written, for problems found after loading (a copy path
 * that does not exist or leads out of the project, found when the files are hashed). Kept
 * beside the spec rather than in it: ResolvedImageSpec is the plugin contract, and a line
 * number is no part of what a spec is. Specs built in code have no places.
 */

export interface SpecPlace {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

type Locate = (path: IssuePath) => { line: number; column: number } | undefined;

const places = new WeakMap<ResolvedImageSpec, { file: string; locate: Locate }>();

/** The loader's record: `locate` takes a path inside this spec (e.g. `['copy', 1]`). */
export function rememberPlaces(spec: ResolvedImageSpec, file: string, locate: Locate): void {
  if (!places.has(spec)) places.set(spec, { file, locate });
}

/** A spec derived from a loaded one (config defaults filled in) is written where its source was. */
export function carryPlaces(from: ResolvedImageSpec, to: ResolvedImageSpec): void {
  const known = places.get(from);
  if (known && from !== to) places.set(to, known);
}

export function placeOf(spec: ResolvedImageSpec, path: IssuePath): SpecPlace | undefined {
  const known = places.get(spec);
  const position = known?.locate(path);
  return known && position ? { file: known.file, ...position } : undefined;
}
