import { createInterface } from 'node:readline';

/**
 * Runs buildctl and reports how it ended, never throwing for a failed run. Stopping is
 * graceful first: SIGINT makes buildctl cancel its context, which cancels the solve on
 * the daemon; only if it has not exited after `graceMs` does it get SIGKILL.
 */

export interface BuildctlRunOptions {
  /** The whole environment of the process (nothing is inherited beyond it). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly signal?: AbortSignal;
  /** 0 or undefined: no limit. */
  readonly timeoutMs?: number;
  readonly graceMs: number;
  /** Each stderr line as it arrives (progress JSON, then buildctl's own text). */
  readonly onStderrLine?: (line: string) => void;
  /** Collect stderr lines into the result too (probes, where output is short). */
  readonly collectStderr?: boolean;
}

export interface BuildctlRun {
  readonly exitCode?: number;
  readonly signal?: string;
  readonly timedOut: boolean;
  readonly canceled: boolean;
  /** SIGKILL was needed after the grace period. */
  readonly forceKilled: boolean;
  readonly stdout: string;
  readonly stderr: readonly string[];
  /** The process could not be started (ENOENT: not found, EACCES: not executable). */
  readonly spawnError?: { readonly code?: string; readonly message: string };
}

export async function runBuildctl(
  command: string,
  args: readonly string[],
  options: BuildctlRunOptions,
): Promise<BuildctlRun> {
  const { execa } = await import('execa');
  const subprocess = execa(command, args, {
    env: options.env,
    extendEnv: false,
    stdin: 'ignore',
    buffer: { stdout: true, stderr: false },
    maxBuffer: { stdout: 4 * 1024 * 1024 },
    reject: false,
    killSignal: 'SIGINT',
    forceKillAfterDelay: options.graceMs,
    timeout: options.timeoutMs ?? 0,
    ...(options.signal && { cancelSignal: options.signal }),
  });
  const stderr: string[] = [];
  const reading = (async () => {
    if (!subprocess.stderr) return;
    const lines = createInterface({ input: subprocess.stderr, crlfDelay: Number.POSITIVE_INFINITY });
    for await (const line of lines) {
      if (options.collectStderr) stderr.push(line);
      options.onStderrLine?.(line);
    }
  })();
  const [result] = await Promise.all([subprocess, reading]);
  const spawnFailed =
    result.exitCode === undefined && result.signal === undefined && !result.isCanceled && !result.timedOut;
  return {
    ...(result.exitCode !== undefined && { exitCode: result.exitCode }),
    ...(result.signal !== undefined && { signal: result.signal }),
    timedOut: result.timedOut,
    canceled: result.isCanceled,
    forceKilled: result.isForcefullyTerminated,
    stdout: typeof result.stdout === 'string' ? result.stdout : '',
    stderr,
    ...(spawnFailed && {
      spawnError: {
        ...(typeof result.code === 'string' && { code: result.code }),
        message:
          'originalMessage' in result && typeof result.originalMessage === 'string'
            ? result.originalMessage
            : (result.message ?? 'spawn failed'),
      },
    }),
  };
}
