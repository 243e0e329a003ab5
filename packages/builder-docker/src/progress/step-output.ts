import type { BuilderEvent } from '@imagespec/core/builder';

const TAIL_LINES = 20;

/**
 * Splits build output into lines per (step, stream), emits them as log events, and keeps
 * the last lines of each step so a failure can quote what the failing command printed.
 */
export class StepOutput {
  readonly #emit: (event: BuilderEvent) => void;
  readonly #partial = new Map<string, string>();
  readonly #tails = new Map<string, string[]>();

  constructor(emit: (event: BuilderEvent) => void) {
    this.#emit = emit;
  }

  write(step: string | undefined, stream: 'stdout' | 'stderr', text: string): void {
    const key = `${step ?? ''}\0${stream}`;
    const lines = ((this.#partial.get(key) ?? '') + text).split(/\r?\n/);
    this.#partial.set(key, lines.pop() ?? '');
    for (const line of lines) this.#line(step, stream, line);
  }

  /** Emits what is left without a trailing newline. */
  flush(): void {
    for (const [key, rest] of this.#partial) {
      if (rest === '') continue;
      const [step, stream] = key.split('\0') as [string, 'stdout' | 'stderr'];
      this.#line(step || undefined, stream, rest);
    }
    this.#partial.clear();
  }

  /** The last lines a step printed (both streams, in order). */
  tail(step: string | undefined): readonly string[] {
    return this.#tails.get(step ?? '') ?? [];
  }

  #line(step: string | undefined, stream: 'stdout' | 'stderr', line: string): void {
    const tail = this.#tails.get(step ?? '') ?? [];
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.shift();
    this.#tails.set(step ?? '', tail);
    this.#emit({ type: 'log', stream, line, ...(step !== undefined && { step }) });
  }
}
