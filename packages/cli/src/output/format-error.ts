import { redactUrlCredentials } from '@imagespec/core/spec';
import type { Colors } from './colors.js';

interface ErrorLike {
  name?: string;
  code?: string;
  message: string;
  hint?: string;
  cause?: unknown;
  stack?: string;
}

/**
 * One paragraph a person can act on: the message (what and where), the hint (how to fix),
 * then the cause chain indented. The stack only with --debug, or for errors we did not
 * raise on purpose (those are bugs: the message asks for a report). URL credentials are masked.
 */
export function formatError(error: unknown, colors: Colors, debug: boolean): string {
  const lines: string[] = [];
  const err = toErrorLike(error);
  const deliberate = err.name === 'ImagespecError';
  const label = deliberate ? `error[${err.code}]` : 'internal error';
  lines.push(`${colors.red(colors.bold(label))}: ${err.message}`);
  if (err.hint) lines.push(`${colors.bold('hint')}: ${err.hint}`);
  let cause = err.cause;
  let depth = 1;
  while (cause !== undefined && depth < 6) {
    const c = toErrorLike(cause);
    lines.push(`${'  '.repeat(depth)}${colors.dim('caused by')}: ${c.message}`);
    cause = c.cause;
    depth += 1;
  }
  if (!deliberate && !debug) {
    lines.push('This is a bug in imagespec or a plugin. Run again with --debug for the stack trace and report it.');
  }
  if (debug && err.stack) lines.push(colors.dim(err.stack));
  // A cause (a registry's or builder's words) may echo a URL with a token.
  return redactUrlCredentials(`${lines.join('\n')}\n`);
}

function toErrorLike(value: unknown): ErrorLike {
  if (typeof value === 'object' && value !== null && typeof (value as ErrorLike).message === 'string') {
    return value as ErrorLike;
  }
  return { message: String(value) };
}
