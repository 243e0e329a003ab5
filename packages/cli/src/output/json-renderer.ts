import type { BuildEvent } from '@imagespec/core';
import type { Writer } from '../io.js';
import type { Renderer, RunExtra, SummaryRow } from './types.js';

/** `--json`: one event object per line, then one summary object. Each line is one write. */
export function createJsonRenderer(out: Writer): Renderer {
  return {
    event(event: BuildEvent) {
      out.write(`${JSON.stringify(event)}\n`);
    },
    finish(rows: readonly SummaryRow[], extra?: RunExtra) {
      const counts = countStatuses(rows);
      out.write(`${JSON.stringify({ type: 'summary', ok: counts.failed === 0, counts, images: rows, ...extra })}\n`);
    },
  };
}

function countStatuses(rows: readonly SummaryRow[]): Record<string, number> {
  const counts: Record<string, number> = { failed: 0 };
  for (const row of rows) counts[row.status] = (counts[row.status] ?? 0) + 1;
  return counts;
}
