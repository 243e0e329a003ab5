/**
 * One Kaniko pod from creation to deletion: create, wait until it runs (a pending timeout
 * that reports the pod's Warning events), follow its log into events, send the context,
 * wait until the executor ends (a build timeout), read the digest from the termination
 * message, and delete the pod whatever happened (success, failure, timeout, Ctrl-C).
 */
import { type BuilderEvent, ImagespecError, type Logger } from '@imagespec/core/builder';
import { streamContextToPod } from './context-stream.js';
import { createKanikoLogTracker, type KanikoLogFormat } from './kaniko-log.js';
import { describeApiError, type KubeClients } from './kube-client.js';
import { KANIKO_CONTAINER, type PodManifest } from './manifest.js';
import { failedBuildError, formatTail, notStartedError, terminatedBeforeRunError } from './pod-errors.js';
import { followPodLog } from './pod-log.js';
import { containerStatus, type PodView, WaitTimeout, waitForPod } from './pod-watch.js';

export interface RunPodOptions {
  readonly clients: KubeClients;
  readonly manifest: PodManifest;
  /** Image being built, for messages. */
  readonly image: string;
  /** The gzipped context, when it is streamed (no context URL). */
  readonly context?: () => NodeJS.ReadableStream;
  readonly logFormat: KanikoLogFormat;
  readonly pendingTimeoutMs: number;
  readonly buildTimeoutMs: number;
  readonly signal: AbortSignal;
  readonly emit: (event: BuilderEvent) => void;
  readonly logger: Logger;
}

export interface PodRunResult {
  readonly pod: string;
  readonly digest?: string;
}

const FAIL_FAST_WAITING = new Set(['InvalidImageName', 'CreateContainerConfigError', 'ErrImageNeverPull']);
const DIGEST = /^sha256:[0-9a-f]{64}$/;

export async function runKanikoPod(options: RunPodOptions): Promise<PodRunResult> {
  const { clients, manifest } = options;
  const namespace = manifest.metadata.namespace;
  // Not abortable on purpose: an aborted create may still create a pod whose name we would never learn.
  const created = await createPod(options);
  const name = created.metadata?.name ?? '';
  options.logger.debug(`created pod ${namespace}/${name} for ${options.image}`);
  let log: Awaited<ReturnType<typeof followPodLog>> | undefined;
  try {
    const started = await waitUntilStarted(options, name);
    const tracker = createKanikoLogTracker({ format: options.logFormat, emit: options.emit });
    log = await followPodLog(clients, {
      namespace,
      pod: name,
      container: KANIKO_CONTAINER,
      onLine: tracker.push,
      onError: (message) => options.logger.warn(message),
    });

    if (options.context && started.status?.phase === 'Running') {
      try {
        const sent = await streamContextToPod(clients, {
          namespace,
          pod: name,
          container: KANIKO_CONTAINER,
          source: options.context(),
          signal: options.signal,
        });
        options.logger.debug(`sent ${sent.bytes} context bytes to ${name} over ${sent.protocol}`);
      } catch (error) {
        if (options.signal.aborted) throw error;
        // If the executor already died, its own error explains more than the broken socket.
        const now = await readPod(options, name);
        if (!containerStatus(now, KANIKO_CONTAINER)?.state?.terminated) throw error;
      }
    }

    let terminated: NonNullable<NonNullable<ReturnType<typeof containerStatus>>['state']>['terminated'];
    try {
      terminated = await waitForPod(
        clients,
        namespace,
        name,
        (pod) => {
          const state = containerStatus(pod, KANIKO_CONTAINER)?.state;
          if (state?.terminated) return state.terminated;
          if (pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded')
            throw terminatedBeforeRunError(namespace, name, pod);
          return undefined;
        },
        { timeoutMs: options.buildTimeoutMs, signal: options.signal },
      );
    } catch (error) {
      if (!(error instanceof WaitTimeout)) throw error;
      const summary = tracker.finish(true);
      throw new ImagespecError(
        'TIMEOUT',
        `Kaniko did not finish building ${options.image} within ${options.buildTimeoutMs / 1000} s (pod ${namespace}/${name}${summary.failedStep ? `, at step "${summary.failedStep}"` : ''}).${formatTail(summary.tail)}`,
        {
          hint: 'Raise the kaniko builder option buildTimeoutSeconds, or give the pod more CPU.',
          details: { pod: name, namespace, tail: summary.tail },
        },
      );
    }

    await log.done(5_000);
    if (terminated.exitCode !== 0) {
      const summary = tracker.finish(true);
      throw failedBuildError({ image: options.image, namespace, pod: name, terminated, summary });
    }
    tracker.finish(false);
    const message = terminated.message?.trim() ?? '';
    const digest = DIGEST.test(message) ? message : undefined;
    if (!digest) options.logger.debug(`pod ${name} ended without a digest in its termination message`);
    return { pod: name, ...(digest ? { digest } : {}) };
  } finally {
    log?.stop();
    await deletePod(options, name);
  }
}

async function createPod(options: RunPodOptions): Promise<PodView> {
  const { core } = options.clients;
  const namespace = options.manifest.metadata.namespace;
  try {
    // The manifest uses V1Pod's own field names; the library serializes it as it would a V1Pod.
    const body = options.manifest as unknown as Parameters<typeof core.createNamespacedPod>[0]['body'];
    return (await core.createNamespacedPod({ namespace, body })) as PodView;
  } catch (error) {
    const { status, message } = describeApiError(error);
    throw new ImagespecError(
      'DAEMON_ERROR',
      `Creating the Kaniko pod in namespace ${namespace} (${options.clients.where}) failed: ${message}`,
      {
        cause: error,
        hint:
          status === 403
            ? 'The Kubernetes user needs create, get, watch and delete on pods, create on pods/attach, get on pods/log and list on events in this namespace.'
            : status === 404
              ? `Create the namespace ${namespace}, or set the kaniko builder option namespace.`
              : undefined,
        details: { status, namespace },
      },
    );
  }
}

async function waitUntilStarted(options: RunPodOptions, name: string): Promise<PodView> {
  const namespace = options.manifest.metadata.namespace;
  try {
    return await waitForPod(
      options.clients,
      namespace,
      name,
      (pod) => {
        const phase = pod.status?.phase;
        if (phase === 'Running' || phase === 'Succeeded' || phase === 'Failed') return pod;
        const waiting = containerStatus(pod, KANIKO_CONTAINER)?.state?.waiting;
        if (waiting?.reason && FAIL_FAST_WAITING.has(waiting.reason)) throw new WaitTimeout(pod);
        return undefined;
      },
      { timeoutMs: options.pendingTimeoutMs, signal: options.signal },
    );
  } catch (error) {
    if (!(error instanceof WaitTimeout)) throw error;
    throw await notStartedError(options.clients, {
      namespace,
      pod: name,
      image: options.image,
      pendingTimeoutMs: options.pendingTimeoutMs,
      last: error.last,
    });
  }
}

async function readPod(options: RunPodOptions, name: string): Promise<PodView> {
  const namespace = options.manifest.metadata.namespace;
  try {
    return (await options.clients.core.readNamespacedPod({ name, namespace })) as PodView;
  } catch {
    return {};
  }
}

async function deletePod(options: RunPodOptions, name: string): Promise<void> {
  const namespace = options.manifest.metadata.namespace;
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    try {
      await options.clients.core.deleteNamespacedPod({
        name,
        namespace,
        gracePeriodSeconds: 0,
        propagationPolicy: 'Background',
      });
      options.logger.debug(`deleted pod ${namespace}/${name}`);
      return;
    } catch (error) {
      const { status, message } = describeApiError(error);
      if (status === 404) return;
      if (attempt === 3) {
        options.logger.warn(
          `Could not delete Kaniko pod ${namespace}/${name}: ${message}. Delete it with: kubectl delete pod -n ${namespace} ${name}`,
        );
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
    }
  }
}
