/**
 * What the renderers share: the renderer interface, the summary rows it prints and the
 * progress modes. Kept apart so renderer.ts (which picks one) and the renderers do not import
 * each other.
 */
import type { BuildEvent } from '@imagespec/core';
import type { BasePartResult, PlannedBuild } from '@imagespec/core/engine';

export type ProgressMode = 'auto' | 'tty' | 'plain' | 'json' | 'quiet';

/** One row of the end-of-run summary. */
export interface SummaryRow {
  readonly name: string;
  readonly image: string;
  readonly status: string;
  readonly builder?: string;
  readonly digest?: string;
  readonly durationMs?: number;
  readonly error?: { readonly code: string; readonly message: string; readonly hint?: string };
  /** Built in two parts: the base part (the spec up to its commands) as the run found or made it; `builder` appended the rest. */
  readonly split?: BasePartResult;
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
