import type { CliIo } from '../io.js';
import { colorsWanted, createColors } from './colors.js';
import { createJsonRenderer } from './json-renderer.js';
import { createPlainRenderer } from './plain-renderer.js';
import { createTtyRenderer } from './tty-renderer.js';
import type { ProgressMode, Renderer } from './types.js';

export const PROGRESS_MODES: readonly ProgressMode[] = ['auto', 'tty', 'plain', 'json', 'quiet'];

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
