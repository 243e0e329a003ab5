import type { BuildEvent } from '@imagespec/core';
import type { Writer } from '../io.js';
import { type Colors, stripAnsi } from './colors.js';
import { renderPlans } from './plan-text.js';
import { createWarningCollector, foundIn, prefixWidth } from './status.js';
import { formatDuration, renderSummaryTable } from './summary-table.js';
import type { Renderer, RunExtra, SummaryRow } from './types.js';

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const REDRAW_MS = 120;

interface ImageState {
  name: string;
  image: string;
  phase: 'queued' | 'checking' | 'building' | 'done' | 'failed' | 'skipped';
  detail: string;
  startedAt: number;
  endedAt?: number;
}

/**
 * Terminal view: log lines scroll above a block of live status lines, one per image.
 * The block is erased, the new lines printed, and the block redrawn in a single write,
 * so the screen never shows half a frame and lines never interleave.
 */
export function createTtyRenderer(out: Writer, colors: Colors, columns: number): Renderer {
  const images = new Map<string, ImageState>();
  const warnings = createWarningCollector();
  let drawnLines = 0;
  let frame = 0;
  let finished = false;
  const timer = setInterval(() => {
    frame += 1;
    flush([]);
  }, REDRAW_MS);
  timer.unref?.();

  const erase = () => (drawnLines > 0 ? `\u001b[${drawnLines}A\u001b[0J` : '');

  function statusLine(state: ImageState): string {
    const width = prefixWidth(images.keys());
    const icon =
      state.phase === 'done'
        ? colors.green('✔')
        : state.phase === 'skipped'
          ? colors.green('=')
          : state.phase === 'failed'
            ? colors.red('✖')
            : colors.yellow(SPINNER[frame % SPINNER.length] ?? '*');
    const elapsed = formatDuration((state.endedAt ?? Date.now()) - state.startedAt);
    const text = `${state.name.padEnd(width)}  ${state.phase.padEnd(8)} ${elapsed.padStart(6)}  ${state.detail}`;
    const clipped = text.length > columns - 3 ? `${text.slice(0, Math.max(0, columns - 4))}…` : text;
    return `${icon} ${colors.byName(state.name, clipped.slice(0, width))}${clipped.slice(width)}`;
  }

  function flush(lines: string[]) {
    if (finished && lines.length === 0) return;
    const block = finished ? [] : [...images.values()].map(statusLine);
    const text = erase() + lines.map((line) => `${line}\n`).join('') + block.map((line) => `${line}\n`).join('');
    drawnLines = block.length;
    if (text) out.write(text);
  }

  function state(event: Exclude<BuildEvent, { type: 'warning' }>): ImageState {
    let current = images.get(event.spec);
    if (!current) {
      current = { name: event.spec, image: event.image, phase: 'queued', detail: event.image, startedAt: Date.now() };
      images.set(event.spec, current);
    }
    return current;
  }

  return {
    event(event: BuildEvent) {
      if (event.type === 'warning') {
        warnings.add(event);
        return;
      }
      const current = state(event);
      const logLines: string[] = [];
      const prefix = colors.byName(event.spec, `${event.spec.padEnd(prefixWidth(images.keys()))} |`);
      switch (event.type) {
        case 'log':
          logLines.push(`${prefix} ${stripAnsi(event.line)}`);
          break;
        case 'building':
          current.phase = 'building';
          current.detail = `with ${event.builder}`;
          current.startedAt = Date.now();
          break;
        case 'step':
          if (event.status === 'started' || event.status === 'cached') {
            current.detail = `${event.name}${event.status === 'cached' ? ' (cached)' : ''}`;
          }
          if (event.status === 'error')
            logLines.push(`${prefix} ${colors.red(`${event.name} failed${event.error ? `: ${event.error}` : ''}`)}`);
          else if (event.status === 'started' || event.status === 'cached')
            logLines.push(`${prefix} ${colors.dim(current.detail)}`);
          break;
        case 'skipped':
          current.phase = 'skipped';
          current.detail =
            event.reason === 'exists' ? `${event.image} is ${foundIn(event)}` : `would build ${event.image}`;
          current.endedAt = Date.now();
          break;
        case 'built':
          current.detail = `built ${event.image}`;
          break;
        case 'pushed':
          current.phase = 'done';
          current.detail = `pushed ${event.image}`;
          current.endedAt = Date.now();
          break;
        case 'failed':
          current.phase = 'failed';
          current.detail = event.error.message.split('\n')[0] ?? '';
          current.endedAt = Date.now();
          break;
        default:
          break;
      }
      flush(logLines);
    },
    finish(rows: readonly SummaryRow[], extra?: RunExtra) {
      flush([]);
      finished = true;
      clearInterval(timer);
      const plans = renderPlans(extra?.plans ?? [], colors);
      out.write(`\n${plans}${renderSummaryTable(rows, colors)}${warnings.render(colors)}`);
    },
  };
}
