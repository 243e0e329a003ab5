/** The errors a Kaniko pod can end a build with, each naming the pod and the cluster's own words. */
import { ImagespecError } from '@imagespec/core/builder';
import type { KanikoLogSummary } from './kaniko-log.js';
import type { KubeClients } from './kube-client.js';
import { ECR_INIT_CONTAINER, KANIKO_CONTAINER } from './manifest.js';
import { containerStatus, type PodView } from './pod-watch.js';

interface EventView {
  readonly type?: string;
  readonly reason?: string;
  readonly message?: string;
  readonly count?: number;
}

/** Warning events of a pod (`FailedScheduling: 0/3 nodes are available: ...`), oldest first, deduplicated. */
export async function listWarningEvents(clients: KubeClients, namespace: string, pod: string): Promise<string[]> {
  try {
    const list = await clients.core.listNamespacedEvent({
      namespace,
      fieldSelector: `involvedObject.kind=Pod,involvedObject.name=${pod}`,
    });
    const seen = new Set<string>();
    for (const event of list.items as readonly EventView[]) {
      if (event.type !== 'Warning') continue;
      seen.add(`${event.reason ?? 'Warning'}: ${event.message ?? ''}`.trim());
    }
    return [...seen];
  } catch {
    return [];
  }
}

export async function notStartedError(
  clients: KubeClients,
  input: { namespace: string; pod: string; image: string; pendingTimeoutMs: number; last: PodView | undefined },
): Promise<ImagespecError> {
  const warnings = await listWarningEvents(clients, input.namespace, input.pod);
  const waiting = containerStatus(input.last ?? {}, KANIKO_CONTAINER)?.state?.waiting;
  const state = waiting?.reason
    ? `container waiting: ${waiting.reason}${waiting.message ? ` (${waiting.message})` : ''}`
    : `phase ${input.last?.status?.phase ?? 'unknown'}`;
  const failedFast = waiting?.reason !== undefined && !/BackOff|ErrImagePull|ContainerCreating/.test(waiting.reason);
  const what = failedFast
    ? `could not start (${state})`
    : `did not start within ${input.pendingTimeoutMs / 1000} s (${state})`;
  return new ImagespecError(
    failedFast ? 'DAEMON_ERROR' : 'TIMEOUT',
    `Kaniko pod ${input.namespace}/${input.pod} for ${input.image} ${what}.${
      warnings.length > 0 ? ` Warning events: ${warnings.join('; ')}` : ' The pod has no Warning events.'
    }`,
    {
      hint: 'Check scheduling (nodeSelector, tolerations, resources requests, priorityClassName) and the executor image pull (image, imagePullSecrets), or raise pendingTimeoutSeconds.',
      details: { pod: input.pod, namespace: input.namespace, warnings },
    },
  );
}

export function terminatedBeforeRunError(namespace: string, pod: string, view: PodView): ImagespecError {
  const init = view.status?.initContainerStatuses?.find((status) => status.name === ECR_INIT_CONTAINER);
  const initEnd = init?.state?.terminated;
  if (initEnd && initEnd.exitCode !== 0) {
    return new ImagespecError(
      'PUSH_FAILED',
      `Creating the ECR repositories failed in pod ${namespace}/${pod} (exit code ${initEnd.exitCode}): ${initEnd.message?.trim() || initEnd.reason || 'no message'}.`,
      { hint: 'The node role or the service account (IRSA) needs ecr:CreateRepository and ecr:DescribeRepositories.' },
    );
  }
  return new ImagespecError(
    'DAEMON_ERROR',
    `Kaniko pod ${namespace}/${pod} ended (${view.status?.phase}${view.status?.reason ? `: ${view.status.reason}` : ''}) before its executor ran${view.status?.message ? `: ${view.status.message}` : '.'}`,
    {
      hint:
        view.status?.reason === 'DeadlineExceeded'
          ? 'The pod hit activeDeadlineSeconds; raise pendingTimeoutSeconds or buildTimeoutSeconds.'
          : undefined,
    },
  );
}

export function failedBuildError(input: {
  image: string;
  namespace: string;
  pod: string;
  terminated: { exitCode: number; reason?: string; message?: string };
  summary: KanikoLogSummary;
}): ImagespecError {
  const { terminated, summary } = input;
  // With FallbackToLogsOnError the termination message is the log tail when the log stream gave nothing.
  const tail = summary.tail.length > 0 ? summary.tail : (terminated.message?.trim().split('\n').slice(-30) ?? []);
  const oom = terminated.reason === 'OOMKilled';
  const error = summary.error ?? (oom ? 'the container was killed for using more memory than its limit' : undefined);
  const step = summary.failedStep ? ` at step "${summary.failedStep}"` : '';
  return new ImagespecError(
    'BUILD_FAILED',
    `Kaniko failed to build ${input.image}${step} (exit code ${terminated.exitCode}${terminated.reason && terminated.reason !== 'Error' ? `, ${terminated.reason}` : ''}, pod ${input.namespace}/${input.pod})${error ? `: ${error}` : '.'}${formatTail(tail)}`,
    {
      hint: oom
        ? 'Raise or remove the memory limit in the kaniko builder option resources.limits (Kaniko holds layers in memory).'
        : summary.failedStep
          ? `Fix the step "${summary.failedStep}" in the spec; the log above shows its output.`
          : undefined,
      details: {
        pod: input.pod,
        namespace: input.namespace,
        exitCode: terminated.exitCode,
        failedStep: summary.failedStep,
        ...(summary.failedStepOutput && { stepOutput: summary.failedStepOutput }),
        tail,
      },
    },
  );
}

export function formatTail(tail: readonly string[]): string {
  return tail.length === 0 ? '' : `\nLast log lines:\n${tail.map((line) => `  ${line}`).join('\n')}`;
}
