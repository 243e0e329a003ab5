import type { BuildEvent, PlannedBuild } from '@imagespec/core';
import type { CliIo } from '../io.js';
import { colorsWanted, createColors } from './colors.js';
import { createJsonRenderer } from './json-renderer.js';
import { createPlainRenderer } from './plain-renderer.js';
import { createTtyRenderer } from './tty-renderer.js';

export type ProgressMode = 'auto' | 'tty' | 'plain' | 'json' | 'quiet';
export const PROGRESS_MODES: readonly ProgressMode[] = ['auto', 'tty', 'plain', 'json', 'quiet'];

/** One row of the end-of-run summary. */
export interface SummaryRow {
  readonly name: string;
  readonly image: string;
  readonly status: string;
  readonly builder?: string;
  readonly digest?: string;
  readonly durationMs?: number;
  readonly error?: { readonly code: string; readonly message: string; readonly hint?: string };
}

/** What a run adds to its summary: with --dry-run, the builders' plans. */
export interface RunExtra {
  readonly plans?: readonly PlannedBuild[];
}

/** Displays engine events; never decides anything (buildx's printer model). */
export interface Renderer {
  event(event: BuildEvent): void;
  /** Stops live output and prints the summary (and de-duplicated warnings). Failures go to stderr, from the command. */
  finish(rows: readonly SummaryRow[], extra?: RunExtra): void;
}

/** `auto` is tty on a terminal and plain otherwise; IMAGESPEC_PROGRESS overrides auto. */
export function createRenderer(mode: ProgressMode, io: CliIo): Renderer {
  let resolved = mode;
  if (resolved === 'auto') {
    const fromEnv = io.env.IMAGESPEC_PROGRESS as ProgressMode | undefined;
    resolved = fromEnv && PROGRESS_MODES.includes(fromEnv) && fromEnv !== 'auto' ? fromEnv : io.isTTY ? 'tty' : 'plain';
  }
  const colors = createColors(resolved === 'tty' && colorsWanted(true, io.env));
  switch (resolved) {
    case 'json':
      return createJsonRenderer(io.stdout);
    case 'tty':
      return createTtyRenderer(io.stdout, colors, io.columns ?? 100);
    case 'quiet':
      return createPlainRenderer(io.stdout, createColors(false), { quiet: true });
    default:
      return createPlainRenderer(io.stdout, createColors(colorsWanted(false, io.env)), { quiet: false });
  }
}
