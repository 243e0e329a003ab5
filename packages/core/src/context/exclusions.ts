import type { ExcludedEntry } from './walk.js';

/** What one ignore rule left out of a tree: how many entries, and the first few (folders end in `/`). */
export interface ExcludedGroup {
  readonly rule: string;
  readonly count: number;
  readonly paths: readonly string[];
}

/** How many paths a group keeps: enough to recognise the rule at work, bounded for big trees. */
const SAMPLE = 5;

/** Collects a walk's `onExcluded` reports into one group per rule, in the order first seen. */
export function createExclusionLog(): { add(entry: ExcludedEntry): void; groups(): ExcludedGroup[] } {
  const byRule = new Map<string, { count: number; paths: string[] }>();
  return {
    add({ path, isDir, rule }) {
      let group = byRule.get(rule);
      if (!group) {
        group = { count: 0, paths: [] };
        byRule.set(rule, group);
      }
      group.count++;
      if (group.paths.length < SAMPLE) group.paths.push(isDir ? `${path}/` : path);
    },
    groups: () => [...byRule].map(([rule, { count, paths }]) => ({ rule, count, paths })),
  };
}
