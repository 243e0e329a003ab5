/** Minimal ANSI styling; off when not writing to a terminal or when NO_COLOR is set. */
export interface Colors {
  readonly enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  /** A color picked from the image name, stable across runs (docker compose style prefixes). */
  byName(name: string, text: string): string;
}

const PALETTE = [36, 33, 32, 35, 34, 96, 93, 92, 95, 94];

export function createColors(enabled: boolean): Colors {
  const wrap = (code: number, close: number) => (text: string) =>
    enabled ? `\u001b[${code}m${text}\u001b[${close}m` : text;
  return {
    enabled,
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    byName: (name, text) => wrap(PALETTE[stableIndex(name, PALETTE.length)] ?? 36, 39)(text),
  };
}

export function colorsWanted(isTTY: boolean, env: Readonly<Record<string, string | undefined>>): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR && env.FORCE_COLOR !== '0') return true;
  return isTTY && env.TERM !== 'dumb';
}

function stableIndex(text: string, size: number): number {
  let hash = 2166136261;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 16777619);
  return (hash >>> 0) % size;
}

const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;

/** Removes escape sequences a build log may carry, so piped output is plain text. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}
