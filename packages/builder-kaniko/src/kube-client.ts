/**
 * The one place that loads @kubernetes/client-node (lazily: `imagespec --help` never pays for
 * it) and turns the builder options into a KubeConfig. Its types stay inside this package.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { ImagespecError } from '@imagespec/core/builder';
import type * as K8s from '@kubernetes/client-node';
import type { KanikoOptions } from './options.js';

export type K8sModule = typeof K8s;

export interface KubeClients {
  readonly k8s: K8sModule;
  readonly kc: K8s.KubeConfig;
  readonly core: K8s.CoreV1Api;
  /** The API server URL, for messages. */
  readonly where: string;
}

export interface KubeEnvironment {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export async function loadKubeClients(options: KanikoOptions, environment: KubeEnvironment): Promise<KubeClients> {
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  const source = loadInto(k8s, kc, options, environment);
  if (options.context) {
    if (!kc.getContexts().some((context) => context.name === options.context)) {
      throw new ImagespecError(
        'BUILDER_UNAVAILABLE',
        `kubeconfig ${source} has no context "${options.context}" (it has: ${kc
          .getContexts()
          .map((c) => c.name)
          .join(', ')}).`,
        { hint: 'Set the kaniko builder option `context` to one of the listed contexts.' },
      );
    }
    kc.setCurrentContext(options.context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) {
    throw new ImagespecError('BUILDER_UNAVAILABLE', `kubeconfig ${source} has no current cluster.`, {
      hint: 'Set current-context in the kubeconfig or the kaniko builder option `context`.',
    });
  }
  return { k8s, kc, core: kc.makeApiClient(k8s.CoreV1Api), where: cluster.server };
}

function loadInto(k8s: K8sModule, kc: K8s.KubeConfig, options: KanikoOptions, environment: KubeEnvironment): string {
  const { env, cwd } = environment;
  try {
    if (options.inCluster) {
      if (!env.KUBERNETES_SERVICE_HOST) throw new Error('KUBERNETES_SERVICE_HOST is not set: not running in a pod');
      kc.loadFromCluster();
      return 'in-cluster service account';
    }
    const files = options.kubeconfig
      ? [resolve(cwd, options.kubeconfig)]
      : (env.KUBECONFIG ?? '').split(delimiter).filter((file) => file !== '');
    if (files.length === 0) {
      const home = env.HOME ?? homedir();
      const file = join(home, '.kube', 'config');
      if (existsSync(file)) files.push(file);
    }
    if (files.length > 0) {
      const [first, ...rest] = files as [string, ...string[]];
      kc.loadFromFile(first);
      for (const file of rest) {
        const other = new k8s.KubeConfig();
        other.loadFromFile(file);
        kc.mergeConfig(other);
      }
      return files.join(delimiter);
    }
    if (env.KUBERNETES_SERVICE_HOST && existsSync(SERVICE_ACCOUNT_TOKEN)) {
      kc.loadFromCluster();
      return 'in-cluster service account';
    }
  } catch (cause) {
    throw new ImagespecError('BUILDER_UNAVAILABLE', `Cannot load the Kubernetes configuration: ${messageOf(cause)}`, {
      cause,
      hint: 'Check the kaniko builder options `kubeconfig`/`context`, or $KUBECONFIG.',
    });
  }
  throw new ImagespecError(
    'BUILDER_UNAVAILABLE',
    'No Kubernetes configuration: no `kubeconfig` option, $KUBECONFIG is not set, ~/.kube/config does not exist and this is not a pod.',
    { hint: 'Point $KUBECONFIG or the kaniko builder option `kubeconfig` at a kubeconfig file.' },
  );
}

/** Per-call options that make a generated API request abortable. */
export function withSignal(k8s: K8sModule, signal: AbortSignal): K8s.ConfigurationOptions {
  return {
    middleware: [
      {
        pre: (context) => {
          context.setSignal(signal);
          return new k8s.Observable(Promise.resolve(context));
        },
        post: (response) => new k8s.Observable(Promise.resolve(response)),
      },
    ],
    middlewareMergeStrategy: 'append',
  };
}

/** The API server's own words for a failed call: a Status message when it sent one. */
export function describeApiError(error: unknown): { status?: number; message: string } {
  const e = error as { code?: unknown; body?: unknown; message?: unknown };
  if (typeof e?.code === 'number') {
    let body = e.body;
    if (typeof body === 'string') {
      try {
        body = JSON.parse(body);
      } catch {
        // a plain-text body is the message itself
      }
    }
    const statusMessage = (body as { message?: unknown } | undefined)?.message;
    const text = typeof statusMessage === 'string' ? statusMessage : typeof body === 'string' ? body : '';
    return { status: e.code, message: text || `HTTP ${e.code}` };
  }
  return { message: messageOf(error) };
}

export function messageOf(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error && !error.message.includes(cause.message)
      ? `${error.message}: ${cause.message}`
      : error.message;
  }
  return String(error);
}
