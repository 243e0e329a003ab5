import type { Writer } from './io.js';

/** The exit code of a process a closed pipe ended, as the shell reports one SIGPIPE killed (git's, 128 + 13). */
export const EXIT_PIPE_CLOSED = 141;

export interface GuardedOutput {
  readonly stdout: Writer;
  readonly stderr: Writer;
  /** True once a reader went away (EPIPE on stdout or stderr). */
  readonly closed: boolean;
}

type Stream = NodeJS.WritableStream & { on(event: 'error', listener: (error: NodeJS.ErrnoException) => void): unknown };

/**
 * A reader that goes away (`imagespec build --json | head -1`) ends the run as it ends git:
 * quietly. Node ignores SIGPIPE and reports the closed pipe as an `error` event, which
 * unhandled prints a stack; here it stops all output (what is left to say has no reader,
 * and the cancel that follows would only explain itself) and calls `onClosed` once, which
 * cancels the run so its builds stop and clean up. Other stream errors stay unhandled.
 */
export function guardOutput(streams: { stdout: Stream; stderr: Stream }, onClosed: () => void): GuardedOutput {
  let closed = false;
  const onError = (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
    if (closed) return;
    closed = true;
    onClosed();
  };
  streams.stdout.on('error', onError);
  streams.stderr.on('error', onError);
  const writer = (stream: Stream): Writer => ({ write: (chunk) => (closed ? false : stream.write(chunk)) });
  return {
    stdout: writer(streams.stdout),
    stderr: writer(streams.stderr),
    get closed() {
      return closed;
    },
  };
}
