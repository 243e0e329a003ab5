import type { ImportModule } from '@imagespec/core/plugin';

/**
 * Everything the CLI touches outside itself, injected so tests can run `runCli` in-process
 * and the binary wires in the real process.
 */
export interface CliIo {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: Writer;
  readonly stderr: Writer;
  /** Whether stdout is a terminal (colors, cursor movement, live status lines). */
  readonly isTTY: boolean;
  /** Terminal width for the status lines; undefined when not a terminal. */
  readonly columns?: number;
  /** Aborted on Ctrl-C / SIGTERM. */
  readonly signal: AbortSignal;
  /**
   * Imports builder modules, config files and jiti. The binary passes its own module's
   * `import()`: the bundle runs from a V8 code cache, where Node 20 has none (code-cache.ts).
   * Default: core's.
   */
  readonly importModule?: ImportModule;
}

export interface Writer {
  write(chunk: string): unknown;
}

/** Thrown by commands to end with a given exit code after they printed what they had to. */
export class ExitCode extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}
