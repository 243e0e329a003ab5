/**
 * The Kaniko builder: imagespec's Builder contract over a Kaniko executor pod. Pure parts
 * (manifest, args, log parsing) are computed here from the request; the pod's life is
 * pod-lifecycle's. The Kubernetes client is created on first use, never at import.
 */
import {
  type Availability,
  type Builder,
  type BuilderEvent,
  type BuilderHost,
  type BuildRequest,
  type BuildResult,
  ImagespecError,
  isImagespecError,
  parseImageRef,
  type ResolvedImageSpec,
  renderVerifyStage,
} from '@imagespec/core/builder';
import { describeApiError, type KubeClients, loadKubeClients, messageOf } from './kube-client.js';
import { computePodPlan, type PodManifestInput, type PodPlan } from './manifest.js';
import type { KanikoOptions } from './options.js';
import { runKanikoPod } from './pod-lifecycle.js';
import { verifyFailureOf } from './verify-failure.js';

type PlanInput = Pick<BuildRequest, 'image' | 'hash' | 'push' | 'platforms' | 'baseImage' | 'pulls' | 'dockerfilePath'>;
type Stage = PodManifestInput['stage'];

const verifies = (spec: ResolvedImageSpec) => spec.verify.length > 0;

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

  const plan = (request: PlanInput, stage?: Stage): PodPlan => {
    const cacheRepo = typeof options.cache === 'object' ? options.cache.repo : undefined;
    const hosts = [request.image, ...(request.pulls ?? [request.baseImage]), ...(cacheRepo ? [cacheRepo] : [])].map(
      (reference) => parseImageRef(reference).registry,
    );
    return computePodPlan(
      {
        image: request.image,
        hash: request.hash,
        push: request.push,
        platforms: request.platforms,
        insecureRegistries: hosts.filter((registry) => host.registries.insecure(registry)),
        ...(stage && { stage }),
        ...(request.dockerfilePath !== undefined && { dockerfile: request.dockerfilePath }),
      },
      options,
    );
  };

  const supports = (spec: ResolvedImageSpec): Availability => {
    if (spec.platforms.length > 1) {
      return {
        ok: false,
        reason: `Kaniko builds one platform per pod; the spec asks for ${spec.platforms.join(', ')}`,
      };
    }
    if (spec.pipSecretMounts.length > 0) {
      return { ok: false, reason: 'Kaniko cannot mount build secrets (pipSecretMounts) from this machine' };
    }
    if (spec.dockerfile && options.contextUrl !== undefined) {
      return {
        ok: false,
        reason: `the spec brings its own Dockerfile (${spec.dockerfile.path}), and with contextUrl Kaniko reads the context and Dockerfile from ${options.contextUrl}, which cannot carry the Dockerfile imagespec hands the build (its images pinned, build args set, the hash label) nor be checked against the files the tag was computed from`,
      };
    }
    if (verifies(spec) && options.contextUrl !== undefined) {
      return {
        ok: false,
        reason: `the spec has verify commands, and with contextUrl Kaniko reads the Dockerfile from ${options.contextUrl}, which cannot get the verify stage`,
      };
    }
    return { ok: true };
  };

  const runPod = (request: BuildRequest, manifest: PodPlan['manifest'], emit: (event: BuilderEvent) => void) =>
    getClients().then((kube) =>
      runKanikoPod({
        clients: kube,
        manifest,
        image: request.image,
        ...(options.contextUrl === undefined
          ? {
              context: () =>
                request.context({
                  dialect: 'plain',
                  gzip: true,
                  ...(verifies(request.spec) && { dockerfile: dockerfileOf(request) }),
                }),
            }
          : {}),
        logFormat: options.logFormat,
        pendingTimeoutMs: options.pendingTimeoutSeconds * 1000,
        buildTimeoutMs: options.buildTimeoutSeconds * 1000,
        signal: request.signal,
        emit,
        logger: host.logger,
      }),
    );

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
          { signal: AbortSignal.timeout(timeoutMs) },
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

    supports,

    /** The pods and Dockerfile build() would use, computed without the cluster (no kubeconfig read, no API call). */
    plan(request) {
      const verify = verifies(request.spec);
      const { manifest, droppedEnv, streamsContext } = plan(request, verify ? 'image' : undefined);
      return {
        builder: 'kaniko',
        namespace: options.namespace,
        context: streamsContext ? 'gzipped tar streamed to the executor stdin (pods/attach)' : options.contextUrl,
        ...(droppedEnv.length > 0 ? { droppedEnv } : {}),
        ...(verify && { verifyPod: plan(request, 'verify').manifest }),
        pod: manifest,
        ...(streamsContext && { dockerfile: dockerfileOf(request) }),
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
      const unsupported = supports(request.spec);
      if (!unsupported.ok) {
        throw new ImagespecError('BUILDER_UNSUPPORTED', `Kaniko cannot build ${request.image}: ${unsupported.reason}.`);
      }
      const verify = verifies(request.spec);
      const { manifest, droppedEnv } = plan(request, verify ? 'image' : undefined);
      if (droppedEnv.length > 0) {
        host.logger.warn(
          `kaniko: left ${droppedEnv.join(', ')} out of the executor env so the ECR helper uses the node or IRSA role (set ecr.keepAwsCredentialsEnv to keep them)`,
        );
      }
      if (verify) {
        // Before any pod: a verify command that would add an instruction is refused here.
        const dockerfile = dockerfileOf(request);
        try {
          await runPod(request, plan(request, 'verify').manifest, (event) => request.events.emit(verifyEvent(event)));
        } catch (error) {
          throw (isImagespecError(error) && verifyFailureOf(error, request, dockerfile)) || error;
        }
      }
      const result = await runPod(request, manifest, (event) => request.events.emit(event));
      return { image: request.image, pushed: request.push, ...(result.digest ? { digest: result.digest } : {}) };
    },
  };
}

/** The Dockerfile the executor reads from the context: with verify commands, the image stage plus the verify stage. */
function dockerfileOf(request: BuildRequest): string {
  return renderVerifyStage(request.dockerfile('plain'), request.spec);
}

/** The verify pod's step ids are its own: both pods' logs number their steps from 1. */
function verifyEvent(event: BuilderEvent): BuilderEvent {
  if (event.type === 'step') return { ...event, id: `verify-${event.id}` };
  if (event.type === 'log' && event.step !== undefined) return { ...event, step: `verify-${event.step}` };
  return event;
}
