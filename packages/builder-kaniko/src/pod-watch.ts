/**
 * Waiting for a pod to reach a state, through the watch API (client-node's Watch): one
 * request that the server holds open, re-opened from the last resourceVersion when the
 * server ends it, with a fresh GET when the version is too old (410 Gone).
 */
import { ImagespecError } from '@imagespec/core/builder';
import { describeApiError, type KubeClients } from './kube-client.js';

/** The fields of a pod the builder reads; raw watch JSON and deserialized V1Pod share them. */
export interface PodView {
  readonly metadata?: { readonly name?: string; readonly resourceVersion?: string };
  readonly status?: {
    readonly phase?: string;
    readonly reason?: string;
    readonly message?: string;
    readonly initContainerStatuses?: readonly ContainerStatusView[];
    readonly containerStatuses?: readonly ContainerStatusView[];
  };
}

export interface ContainerStatusView {
  readonly name: string;
  readonly state?: {
    readonly waiting?: { readonly reason?: string; readonly message?: string };
    readonly running?: object;
    readonly terminated?: {
      readonly exitCode: number;
      readonly reason?: string;
      readonly message?: string;
    };
  };
}

export class WaitTimeout extends Error {
  constructor(readonly last: PodView | undefined) {
    super('timed out');
  }
}

export interface WaitOptions {
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
}

/** Resolves with the first non-undefined `decide(pod)`; rejects with WaitTimeout or CANCELLED. */
export async function waitForPod<T>(
  clients: KubeClients,
  namespace: string,
  name: string,
  decide: (pod: PodView) => T | undefined,
  options: WaitOptions,
): Promise<T> {
  const { core, watch } = clients;
  let last: PodView | undefined;
  let controller: AbortController | undefined;
  let settled = false;

  return new Promise<T>((resolve, reject) => {
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal.removeEventListener('abort', onAbort);
      controller?.abort();
      fn();
    };
    const offer = (pod: PodView) => {
      last = pod;
      let decided: T | undefined;
      try {
        decided = decide(pod);
      } catch (error) {
        finish(() => reject(error));
        return true;
      }
      if (decided === undefined) return false;
      finish(() => resolve(decided));
      return true;
    };
    const timer = setTimeout(() => finish(() => reject(new WaitTimeout(last))), options.timeoutMs);
    const onAbort = () =>
      finish(() => reject(new ImagespecError('CANCELLED', `Waiting for pod ${namespace}/${name} was cancelled.`)));
    options.signal.addEventListener('abort', onAbort, { once: true });
    if (options.signal.aborted) onAbort();

    const refresh = async (): Promise<void> => {
      if (settled) return;
      let pod: PodView;
      try {
        pod = (await core.readNamespacedPod({ name, namespace }, { signal: options.signal })) as PodView;
      } catch (error) {
        const { status, message } = describeApiError(error);
        finish(() =>
          reject(
            new ImagespecError(
              'DAEMON_ERROR',
              status === 404
                ? `Pod ${namespace}/${name} disappeared while the build waited for it (deleted by someone else or evicted).`
                : `Reading pod ${namespace}/${name} failed: ${message}`,
              { cause: error },
            ),
          ),
        );
        return;
      }
      if (!offer(pod)) await open(pod.metadata?.resourceVersion);
    };

    const open = async (resourceVersion: string | undefined): Promise<void> => {
      if (settled) return;
      let restarted = false;
      const restart = (fromScratch: boolean) => {
        if (restarted || settled) return;
        restarted = true;
        if (fromScratch) void refresh();
        else void open(last?.metadata?.resourceVersion);
      };
      controller = await watch.watch(
        `/api/v1/namespaces/${namespace}/pods`,
        {
          fieldSelector: `metadata.name=${name}`,
          ...(resourceVersion ? { resourceVersion } : {}),
          allowWatchBookmarks: true,
        },
        (type, object: PodView) => {
          if (settled) return;
          if (type === 'ERROR') return restart(true); // usually 410 Gone: the version is too old
          if (type === 'DELETED') {
            finish(() =>
              reject(
                new ImagespecError(
                  'DAEMON_ERROR',
                  `Pod ${namespace}/${name} was deleted while the build waited for it.`,
                ),
              ),
            );
            return;
          }
          if (type === 'BOOKMARK') {
            last = { ...last, metadata: { ...last?.metadata, resourceVersion: object.metadata?.resourceVersion } };
            return;
          }
          offer(object);
        },
        (error) => {
          if (settled) return;
          // The server ends watches now and then; a failed request is retried from a fresh GET.
          if (error) setTimeout(() => restart(true), 500);
          else restart(false);
        },
      );
      if (settled) controller.abort();
    };

    // List, then watch from the listed version: a state reached before the watch opened is seen.
    void refresh();
  });
}

/** The named container's status in a pod view. */
export function containerStatus(pod: PodView, container: string): ContainerStatusView | undefined {
  return pod.status?.containerStatuses?.find((status) => status.name === container);
}
