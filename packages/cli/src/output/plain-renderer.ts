import type { BuildEvent } from '@imagespec/core';
import type { Writer } from '../io.js';
import { type Colors, stripAnsi } from './colors.js';
import { renderPlans } from './plan-text.js';
import { createWarningCollector, describeStatus, prefixWidth } from './status.js';
import { renderSummaryTable } from './summary-table.js';
import type { Renderer, RunExtra, SummaryRow } from './types.js';

/**
 * Piped output: the same information as the terminal view, without cursor movement.
 * Every line is written whole in one call, prefixed with the image's name (docker
 * compose style), so lines of parallel builds never interleave mid-line.
 */
export function createPlainRenderer(out: Writer, colors: Colors, options: { quiet: boolean }): Renderer {
  const names = new Set<string>();
  const warnings = createWarningCollector();
  const prefix = (name: string) => {
    const width = prefixWidth(names);
    return colors.byName(name, `${name.padEnd(width)} |`);
  };
  return {
    event(event: BuildEvent) {
      if (event.type === 'warning') {
        warnings.add(event);
        return;
      }
      names.add(event.spec);
      if (options.quiet) return;
      if (event.type === 'log') {
        out.write(`${prefix(event.spec)} ${stripAnsi(event.line)}\n`);
        return;
      }
      const text = describeStatus(event);
      if (text) out.write(`${prefix(event.spec)} ${colors.dim(text)}\n`);
    },
    finish(rows: readonly SummaryRow[], extra?: RunExtra) {
      if (!options.quiet) out.write(`\n${renderPlans(extra?.plans ?? [], colors)}${renderSummaryTable(rows, colors)}`);
      out.write(warnings.render(colors));
    },
  };
}
