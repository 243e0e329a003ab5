import type { BuilderEvent, StepStatus } from '@imagespec/core/builder';
import { decodeBuildkitTrace } from './buildkit-trace.js';
import { StepOutput } from './step-output.js';

/**
 * Turns BuildKit trace messages into step and log events. BuildKit resends a vertex each
 * time it changes, so a status is emitted only when it differs from the last one seen.
 */
export class BuildkitProgress {
  readonly #emit: (event: BuilderEvent) => void;
  readonly #output: StepOutput;
  readonly #names = new Map<string, string>();
  readonly #statuses = new Map<string, StepStatus>();
  #failed: { step: string; error: string } | undefined;

  constructor(emit: (event: BuilderEvent) => void) {
    this.#emit = emit;
    this.#output = new StepOutput(emit);
  }

  /** One `moby.buildkit.trace` aux value (base64). */
  push(aux: string): void {
    const status = decodeBuildkitTrace(aux);
    for (const vertex of status.vertexes) {
      if (vertex.name) this.#names.set(vertex.digest, vertex.name);
      const name = this.#names.get(vertex.digest) ?? vertex.digest;
      const next: StepStatus | undefined = vertex.error
        ? 'error'
        : vertex.completed
          ? vertex.cached
            ? 'cached'
            : 'done'
          : vertex.started || vertex.cached
            ? vertex.cached
              ? 'cached'
              : 'started'
            : undefined;
      if (next === undefined || this.#statuses.get(vertex.digest) === next) continue;
      // A vertex reported cached before it completes must not go back to "done".
      if (next === 'done' && this.#statuses.get(vertex.digest) === 'cached') continue;
      this.#statuses.set(vertex.digest, next);
      if (next === 'error' && vertex.error && !this.#failed) this.#failed = { step: name, error: vertex.error };
      this.#emit({
        type: 'step',
        id: vertex.digest,
        name,
        status: next,
        ...(next === 'error' && { error: vertex.error }),
      });
    }
    for (const log of status.logs) {
      this.#output.write(log.vertex, log.stream === 2 ? 'stderr' : 'stdout', Buffer.from(log.msg).toString('utf8'));
    }
  }

  flush(): void {
    this.#output.flush();
  }

  /** The first step that failed, its error, and the last lines it printed. */
  failure(): { step: string; error: string; output: readonly string[] } | undefined {
    if (!this.#failed) return undefined;
    const digest = [...this.#names].find(([, name]) => name === this.#failed?.step)?.[0];
    return { ...this.#failed, output: this.#output.tail(digest) };
  }
}
