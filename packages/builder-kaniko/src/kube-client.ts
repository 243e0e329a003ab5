/**
 * The one place that loads @kubernetes/client-node (lazily: `imagespec --help` never pays for
 * it) and turns the builder options into a kubeconfig. Only the modules the builder uses are
 * loaded (kube-config.ts says why); their types stay inside this package.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { ImagespecError } from '@imagespec/core/builder';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Watch } from '@kubernetes/client-node/dist/watch.js';
import { CoreV1Client } from './kube-api.js';
import { type LeanKubeConfig, loadKubeConfigSupport } from './kube-config.js';
import type { KanikoOptions } from './options.js';

export interface KubeClients {
  readonly kc: LeanKubeConfig;
  /** The same config typed for client-node's Watch and WebSocketHandler, which call only getCurrentCluster and applyTo{Fetch,HTTPS}Options. */
  readonly kubeConfig: KubeConfig;
  readonly core: CoreV1Client;
  readonly watch: Watch;
  /** The API server URL, for messages. */
  readonly where: string;
}

export interface KubeEnvironment {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export async function loadKubeClients(options: KanikoOptions, environment: KubeEnvironment): Promise<KubeClients> {
  const [newConfig, { Watch }] = await Promise.all([
    loadKubeConfigSupport(),
    import('@kubernetes/client-node/dist/watch.js'),
  ]);
  const kc = newConfig();
  const source = loadInto(newConfig, kc, options, environment);
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
  const kubeConfig = kc as unknown as KubeConfig;
  return { kc, kubeConfig, core: new CoreV1Client(kc), watch: new Watch(kubeConfig), where: cluster.server };
}

function loadInto(
  newConfig: () => LeanKubeConfig,
  kc: LeanKubeConfig,
  options: KanikoOptions,
  environment: KubeEnvironment,
): string {
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
        const other = newConfig();
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
