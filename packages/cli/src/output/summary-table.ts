import type { BasePartResult } from '@imagespec/core/engine';
import type { Colors } from './colors.js';
import type { SummaryRow } from './types.js';

/** The end-of-run table: image, tag, builder, result, duration; then how split builds were made. */
export function renderSummaryTable(rows: readonly SummaryRow[], colors: Colors): string {
  if (rows.length === 0) return '';
  const header = ['IMAGE', 'TAG', 'BUILDER', 'RESULT', 'TIME'];
  const body = rows.map((row) => {
    const { repository, tag } = splitTag(row.image);
    return [repository, tag, row.builder ?? '-', row.status, formatDuration(row.durationMs)];
  });
  const widths = header.map((title, column) =>
    Math.max(title.length, ...body.map((cells) => (cells[column] ?? '').length)),
  );
  const pad = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  const lines = [colors.bold(pad(header))];
  rows.forEach((row, index) => {
    const line = pad(body[index] ?? []);
    lines.push(row.status === 'failed' ? colors.red(line) : line);
  });
  for (const row of rows) if (row.split) lines.push(describeSplit(row, row.split));
  return `${lines.join('\n')}\n`;
}

/** `app: built in two parts: base part <image> (found in the registry | built by docker), source layer by oci` */
function describeSplit(row: SummaryRow, part: BasePartResult): string {
  const base =
    part.status === 'skipped'
      ? 'found in the registry'
      : part.status === 'planned'
        ? `to be built${part.builder ? ` by ${part.builder}` : ''}`
        : `built${part.builder ? ` by ${part.builder}` : ''}`;
  return `${row.name}: built in two parts: base part ${part.image} (${base}), source layer and settings by ${row.builder ?? '-'}`;
}

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  return `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
}

function splitTag(image: string): { repository: string; tag: string } {
  const at = image.indexOf('@');
  if (at >= 0) return { repository: image.slice(0, at), tag: image.slice(at + 1) };
  const colon = image.lastIndexOf(':');
  if (colon > image.lastIndexOf('/')) return { repository: image.slice(0, colon), tag: image.slice(colon + 1) };
  return { repository: image, tag: '-' };
}
