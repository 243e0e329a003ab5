import type { BuildEvent } from '@imagespec/core';
import type { Colors } from './colors.js';

type ImageEvent = Exclude<BuildEvent, { type: 'warning' }>;
type WarningEvent = Extract<BuildEvent, { type: 'warning' }>;

/** A one-line description of a status event, or undefined for events not worth a line. */
export function describeStatus(event: ImageEvent): string | undefined {
  switch (event.type) {
    case 'queued':
      return `queued ${event.image}`;
    case 'skipped':
      return event.reason === 'exists'
        ? `skipped: ${event.image} is already ${foundIn(event)}`
        : `dry run: would build ${event.image}`;
    case 'building':
      return `building with ${event.builder}`;
    case 'step':
      if (event.status === 'started') return event.name;
      if (event.status === 'cached') return `${event.name} (cached)`;
      if (event.status === 'error') return `${event.name} failed${event.error ? `: ${event.error}` : ''}`;
      return undefined;
    case 'built':
      return `built ${event.image}${event.digest ? `@${event.digest}` : ''}`;
    case 'pushed':
      return `pushed ${event.image}${event.digest ? `@${event.digest}` : ''}`;
    case 'failed':
      return `failed: ${event.error.message}`;
    default:
      return undefined;
  }
}

/** Where a skipped image was found: a spec without registry has it in its builder's local engine. */
export function foundIn(event: Extract<ImageEvent, { type: 'skipped' }>): string {
  return event.where === 'local' ? 'in the local engine' : 'in the registry';
}

export function prefixWidth(names: Iterable<string>): number {
  let width = 0;
  for (const name of names) width = Math.max(width, name.length);
  return Math.min(width, 24);
}

/** Warnings are de-duplicated and printed after the builds (buildx does the same). */
export function createWarningCollector() {
  const seen = new Map<string, WarningEvent>();
  return {
    add(event: WarningEvent) {
      const where = event.file ? `${event.file}${event.line ? `:${event.line}` : ''}: ` : '';
      seen.set(`${where}${event.message}`, event);
    },
    render(colors: Colors): string {
      if (seen.size === 0) return '';
      const lines = [...seen.keys()].map((text) => `${colors.yellow('warning')}: ${text}`);
      return `${lines.join('\n')}\n`;
    },
  };
}
