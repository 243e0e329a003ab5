/**
 * Follows the executor's log (`follow=true`, kube-api.ts) and hands it on line by line
 * (kaniko-log.ts reads what the lines say). The log is best effort: when it cannot be read,
 * the termination message (the log tail, by FallbackToLogsOnError) still explains a failure.
 */
import { createInterface } from 'node:readline';
import { PassThrough } from 'node:stream';
import { describeApiError, type KubeClients } from './kube-client.js';

export interface PodLogFollower {
  /** Waits until the server ends the log (the container exited), at most `timeoutMs`. */
  done(timeoutMs: number): Promise<void>;
  stop(): void;
}

export async function followPodLog(
  clients: KubeClients,
  target: {
    namespace: string;
    pod: string;
    container: string;
    onLine: (line: string) => void;
    onError?: (message: string) => void;
  },
): Promise<PodLogFollower> {
  const stream = new PassThrough();
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  lines.on('line', target.onLine);
  const ended = new Promise<void>((resolve) => lines.once('close', resolve));
  let controller: AbortController | undefined;
  try {
    controller = await clients.core.followPodLog(target.namespace, target.pod, target.container, stream);
  } catch (error) {
    target.onError?.(`cannot follow the log of pod ${target.pod}: ${describeApiError(error).message}`);
    stream.end();
  }
  return {
    async done(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([ended, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
      clearTimeout(timer);
    },
    stop() {
      controller?.abort();
      // An aborted response body does not end the stream it was piped into.
      stream.end();
    },
  };
}
