import type { ImageIdentity } from '../hash/identity.js';

/**
 * The split build as `imagespec explain` shows it: the two images a pushed build with
 * builder-oci beside a daemon builder makes of the spec, and who builds each. Which
 * daemon builder takes the base part is decided at build time by priority and
 * availability (explain asks no daemon); `imagespec build --dry-run` names it. Pure.
 */
export function renderSplitExplain(whole: ImageIdentity, base: ImageIdentity): string {
  return [
    'split build (when pushed, with builder-oci configured beside a daemon builder; no builder named):',
    `  base part  ${base.image}`,
    `             the spec up to its commands, hash ${base.hash} (the input above without the source, labels,`,
    '             user, entrypoint, cmd and verify): found in the registry, or built by the daemon builder',
    '             selection picks for it (docker, buildkit or kaniko by priority)',
    `  top        ${whole.image}`,
    '             the source layer and the settings after it, appended by builder-oci FROM the base part',
    '  `imagespec build --dry-run` names the builders of both.',
    '',
  ].join('\n');
}
