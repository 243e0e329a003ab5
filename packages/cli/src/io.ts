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
