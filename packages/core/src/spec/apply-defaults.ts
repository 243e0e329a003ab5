import type { ResolvedImageSpec } from '../contract/spec.js';
import { carryPlaces } from './places.js';

/** The part of the config that fills in what a spec leaves out. */
export interface SpecDefaults {
  readonly registry?: string;
  readonly platform?: string | readonly string[];
  readonly builder?: string;
}

/**
 * Fills a spec's missing registry, platforms and builder from the config's `defaults`
 * (Union's defaultRepository), and does the same for base specs. Pure; the spec's own
 * values always win.
 */
export function applyConfigDefaults(
  spec: ResolvedImageSpec,
  config: { readonly defaults?: SpecDefaults },
): ResolvedImageSpec {
  const defaults = config.defaults;
  if (!defaults) return spec;
  const platforms =
    spec.platforms.length > 0 || defaults.platform === undefined
      ? spec.platforms
      : [...new Set(typeof defaults.platform === 'string' ? [defaults.platform] : defaults.platform)].sort();
  const baseImage = typeof spec.baseImage === 'string' ? spec.baseImage : applyConfigDefaults(spec.baseImage, config);
  const filled = Object.freeze({
    ...spec,
    baseImage,
    platforms,
    ...(spec.registry === undefined && defaults.registry !== undefined && { registry: defaults.registry }),
    ...(spec.builder === undefined && defaults.builder !== undefined && { builder: defaults.builder }),
  });
  carryPlaces(spec, filled);
  return filled;
}
