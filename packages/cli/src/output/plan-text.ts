import type { PlannedBuild } from '@imagespec/core/engine';
import type { Colors } from './colors.js';

/** What each image of a split build is (PlannedBuild.part). */
const SPLIT_PARTS = {
  base: 'split build, base part: the spec up to its commands, tagged by its own hash',
  top: "split build, top: the source layer and the settings after it, on the base part, under the spec's tag",
} as const;

/**
 * The dry-run plans as text for people: per image, what the builder would run. A plan is
 * the builder's own record, so it is shown generically: an argv as one shell line, text
 * with several lines (a Dockerfile) as an indented block, objects (a pod manifest, an API
 * query) as indented JSON.
 */
export function renderPlans(plans: readonly PlannedBuild[], colors: Colors): string {
  const out: string[] = [];
  for (const planned of plans) {
    out.push(colors.bold(`plan for ${planned.name}: ${planned.image} with the ${planned.builder} builder`));
    if (planned.part) out.push(`  ${colors.dim(SPLIT_PARTS[planned.part])}`);
    if (planned.availability) out.push(`  ${colors.yellow(planned.availability)}`);
    if (!planned.plan) {
      out.push(`  ${colors.dim('(the builder describes no plan)')}`);
      continue;
    }
    for (const [key, value] of Object.entries(planned.plan)) out.push(...field(key, value, colors));
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}

function field(key: string, value: unknown, colors: Colors): string[] {
  const label = `  ${colors.dim(`${key}:`)}`;
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) {
    return [`${label} ${value.map(shellWord).join(' ')}`];
  }
  if (typeof value === 'string' && value.includes('\n')) {
    return [
      label,
      ...value
        .replace(/\n$/, '')
        .split('\n')
        .map((line) => `    ${line}`),
    ];
  }
  if (typeof value === 'object' && value !== null) {
    return [
      label,
      ...JSON.stringify(value, null, 2)
        .split('\n')
        .map((line) => `    ${line}`),
    ];
  }
  return [`${label} ${String(value)}`];
}

/** An argv word as a POSIX shell would need it to read it back as one word. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
