/**
 * The Kaniko builder: imagespec's Builder contract over a Kaniko executor pod. Pure parts
 * (manifest, args, log parsing) are computed here from the request; the pod's life is
 * pod-lifecycle's. The Kubernetes client is created on first use, never at import.
 */
import {
  type Availability,
  type Builder,
  type BuilderHost,
  type BuildRequest,
  type BuildResult,
  ImagespecError,
  parseImageRef,
  type ResolvedImageSpec,
} from '@imagespec/core/builder';
import { describeApiError, type KubeClients, loadKubeClients, messageOf, withSignal } from './kube-client.js';
import { computePodPlan, type PodPlan } from './manifest.js';
import type { KanikoOptions } from './options.js';
import { runKanikoPod } from './pod-lifecycle.js';

type PlanInput = Pick<BuildRequest, 'image' | 'hash' | 'push' | 'platforms' | 'baseImage'>;

export function createKanikoBuilder(options: KanikoOptions, host: BuilderHost): Builder {
  let clients: Promise<KubeClients> | undefined;
  const getClients = () => {
    clients ??= loadKubeClients(options, { cwd: host.cwd, env: host.env });
    // A failed load is retried next time (the kubeconfig may have been fixed meanwhile).
    clients.catch(() => {
      clients = undefined;
    });
    return clients;
  };

  const plan = (request: PlanInput): PodPlan => {
    const cacheRepo = typeof options.cache === 'object' ? options.cache.repo : undefined;
    const hosts = [request.image, request.baseImage, ...(cacheRepo ? [cacheRepo] : [])].map(
      (reference) => parseImageRef(reference).registry,
    );
    return computePodPlan(
      {
        image: request.image,
        hash: request.hash,
        push: request.push,
        platforms: request.platforms,
        insecureRegistries: hosts.filter((registry) => host.registries.insecure(registry)),
      },
      options,
    );
  };

  return {
    async available(): Promise<Availability> {
      let kube: KubeClients;
      try {
        kube = await getClients();
      } catch (error) {
        return { ok: false, reason: messageOf(error) };
      }
      const timeoutMs = options.connectTimeoutSeconds * 1000;
      try {
        // Listing pods proves the server answers, the credentials work and the namespace is readable.
        await kube.core.listNamespacedPod(
          { namespace: options.namespace, limit: 1 },
          withSignal(kube.k8s, AbortSignal.timeout(timeoutMs)),
        );
        return { ok: true };
      } catch (error) {
        const { status, message } = describeApiError(error);
        if (status === undefined && /abort/i.test(message)) {
          return {
            ok: false,
            reason: `the Kubernetes API (${kube.where}) did not answer within ${timeoutMs / 1000} s`,
          };
        }
        return { ok: false, reason: `the Kubernetes API (${kube.where}) refused to list pods: ${message}` };
      }
    },

    supports(spec: ResolvedImageSpec): Availability {
      if (spec.platforms.length > 1) {
        return {
          ok: false,
          reason: `Kaniko builds one platform per pod; the spec asks for ${spec.platforms.join(', ')}`,
        };
      }
      if (spec.pipSecretMounts.length > 0) {
        return { ok: false, reason: 'Kaniko cannot mount build secrets (pipSecretMounts) from this machine' };
      }
      return { ok: true };
    },

    plan(request) {
      const { manifest, droppedEnv, streamsContext } = plan(request);
      return {
        builder: 'kaniko',
        namespace: options.namespace,
        context: streamsContext ? 'gzipped tar streamed to the executor stdin (pods/attach)' : options.contextUrl,
        ...(droppedEnv.length > 0 ? { droppedEnv } : {}),
        pod: manifest,
      };
    },

    async build(request: BuildRequest): Promise<BuildResult> {
      if (request.platforms.length > 1) {
        throw new ImagespecError(
          'BUILDER_UNSUPPORTED',
          `Kaniko builds one platform per pod; ${request.image} asks for ${request.platforms.join(', ')}.`,
          { hint: 'Build each platform separately, or use the buildkit or docker builder.' },
        );
      }
      if (request.signal.aborted) throw new ImagespecError('CANCELLED', `Build of ${request.image} was cancelled.`);
      const { manifest, droppedEnv, streamsContext } = plan(request);
      if (droppedEnv.length > 0) {
        host.logger.warn(
          `kaniko: left ${droppedEnv.join(', ')} out of the executor env so the ECR helper uses the node or IRSA role (set ecr.keepAwsCredentialsEnv to keep them)`,
        );
      }
      const kube = await getClients();
      const result = await runKanikoPod({
        clients: kube,
        manifest,
        image: request.image,
        ...(streamsContext ? { context: () => request.context({ dialect: 'plain', gzip: true }) } : {}),
        logFormat: options.logFormat,
        pendingTimeoutMs: options.pendingTimeoutSeconds * 1000,
        buildTimeoutMs: options.buildTimeoutSeconds * 1000,
        signal: request.signal,
        emit: (event) => request.events.emit(event),
        logger: host.logger,
      });
      return { image: request.image, pushed: request.push, ...(result.digest ? { digest: result.digest } : {}) };
    },
  };
}
