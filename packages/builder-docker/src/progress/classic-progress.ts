import type { BuilderEvent } from '@imagespec/core/builder';
import { StepOutput } from './step-output.js';

const STEP = /^Step (\d+)\/(\d+) : (.*)$/;
// The classic builder wraps a RUN's stderr in these colour codes.
const STDERR_START = '\u001b[91m';
const STDERR_END = '\u001b[0m';

/**
 * Turns the classic builder's `stream` text into step and log events: `Step 2/5 : RUN ...`
 * starts a step, ` ---> Using cache` marks it cached, ` ---> <id>` ends it, and the rest
 * is the step's output. Intermediate container ids are collected so an aborted build can
 * remove any the daemon left behind.
 */
export class ClassicProgress {
  readonly #emit: (event: BuilderEvent) => void;
  readonly #output: StepOutput;
  readonly containers = new Set<string>();
  #step: { id: string; name: string; cached: boolean } | undefined;
  #pending = '';

  constructor(emit: (event: BuilderEvent) => void) {
    this.#emit = emit;
    this.#output = new StepOutput(emit);
  }

  push(text: string): void {
    if (text.startsWith(STDERR_START)) {
      this.#output.write(this.#step?.id, 'stderr', text.slice(STDERR_START.length).replace(STDERR_END, ''));
      return;
    }
    const lines = (this.#pending + text).split('\n');
    this.#pending = lines.pop() ?? '';
    // "Step N/M : ..." arrives without its newline, which follows in the next message.
    if (STEP.test(this.#pending)) return;
    for (const line of lines) this.#line(line);
    if (this.#pending !== '' && !this.#pending.startsWith('Step ')) {
      this.#output.write(this.#step?.id, 'stdout', this.#pending);
      this.#pending = '';
    }
  }

  flush(): void {
    if (this.#pending !== '') this.#line(this.#pending);
    this.#pending = '';
    this.#output.flush();
  }

  /** The step that was running when the daemon reported an error, and its last lines. */
  failure(error: string): { step: string; error: string; output: readonly string[] } | undefined {
    if (!this.#step) return undefined;
    this.#output.flush();
    this.#emit({ type: 'step', id: this.#step.id, name: this.#step.name, status: 'error', error });
    return { step: this.#step.name, error, output: this.#output.tail(this.#step.id) };
  }

  #line(line: string): void {
    const step = STEP.exec(line);
    if (step) {
      this.#finish();
      this.#step = { id: `step-${step[1]}`, name: `[${step[1]}/${step[2]}] ${step[3]}`, cached: false };
      this.#emit({ type: 'step', id: this.#step.id, name: this.#step.name, status: 'started' });
      return;
    }
    const running = /^ ---> Running in ([0-9a-f]+)$/.exec(line);
    if (running?.[1]) {
      this.containers.add(running[1]);
      return;
    }
    const removed = /^Removing intermediate container ([0-9a-f]+)$/.exec(line);
    if (removed?.[1]) {
      this.containers.delete(removed[1]);
      return;
    }
    if (line === ' ---> Using cache') {
      if (this.#step) this.#step.cached = true;
      return;
    }
    if (/^ ---> [0-9a-f]+$/.test(line)) {
      this.#finish();
      return;
    }
    if (/^Successfully (built|tagged) /.test(line)) return;
    this.#output.write(this.#step?.id, 'stdout', `${line}\n`);
  }

  #finish(): void {
    if (!this.#step) return;
    this.#output.flush();
    this.#emit({
      type: 'step',
      id: this.#step.id,
      name: this.#step.name,
      status: this.#step.cached ? 'cached' : 'done',
    });
    this.#step = undefined;
  }
}
