/**
 * The Kaniko pod as a plain object shaped like the Kubernetes V1Pod JSON (pure). `plan()`
 * returns it for --dry-run and the lifecycle sends it as is, so what a user reviews is what
 * runs. Its own types keep @kubernetes/client-node out of every exported signature.
 */

import { IMAGE_STAGE, parseImageRef, VERIFY_STAGE } from '@imagespec/core/builder';
import { computeExecutorArgs, type ExecutorArgsInput } from './args.js';
import type { KanikoOptions } from './options.js';
import { parseEcrHost } from './registry-host.js';

export const KANIKO_CONTAINER = 'kaniko';
export const ECR_INIT_CONTAINER = 'ecr-repository';
export const HASH_LABEL = 'imagespec.dev/hash';
export const IMAGE_ANNOTATION = 'imagespec.dev/image';
export const STAGE_LABEL = 'imagespec.dev/stage';
const DOCKER_CONFIG_PATH = '/kaniko/.docker/config.json';

/** Variables that would make Kaniko's ECR helper use static keys instead of the node or IRSA role. */
export const AWS_CREDENTIAL_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_CONFIG_FILE',
] as const;

export interface EnvVar {
  readonly name: string;
  readonly value: string;
}

export interface ContainerManifest {
  readonly name: string;
  readonly image: string;
  readonly imagePullPolicy?: string;
  readonly command?: string[];
  readonly args?: string[];
  readonly env?: EnvVar[];
  readonly stdin?: boolean;
  readonly stdinOnce?: boolean;
  readonly tty?: boolean;
  readonly resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  readonly volumeMounts?: { name: string; mountPath: string; subPath?: string; readOnly?: boolean }[];
  readonly terminationMessagePath?: string;
  readonly terminationMessagePolicy?: string;
}

export interface PodManifest {
  readonly apiVersion: 'v1';
  readonly kind: 'Pod';
  readonly metadata: {
    readonly generateName: string;
    readonly namespace: string;
    readonly labels: Record<string, string>;
    readonly annotations: Record<string, string>;
  };
  readonly spec: {
    readonly restartPolicy: 'Never';
    readonly activeDeadlineSeconds: number;
    readonly serviceAccountName?: string;
    readonly priorityClassName?: string;
    readonly nodeSelector?: Record<string, string>;
    readonly tolerations?: KanikoOptions['tolerations'];
    readonly affinity?: Record<string, unknown>;
    readonly imagePullSecrets?: { name: string }[];
    readonly initContainers?: ContainerManifest[];
    readonly containers: ContainerManifest[];
    readonly volumes?: { name: string; secret: { secretName: string; items: { key: string; path: string }[] } }[];
  };
}

export interface PodManifestInput {
  readonly image: string;
  readonly hash: string;
  readonly push: boolean;
  readonly platforms: readonly string[];
  /** Registries to reach over plain HTTP (config + options), decided by the caller. */
  readonly insecureRegistries: readonly string[];
  /**
   * For a spec with verify commands, the stage of the extended Dockerfile this pod builds:
   * `verify` (nothing pushed; cache layers pushed when the image will be, for the image pod
   * to reuse) or `image` (built and pushed as usual). Absent: the Dockerfile's only stage.
   */
  readonly stage?: 'verify' | 'image';
  /** Where the Dockerfile is in the context (core's `BuildRequest.dockerfilePath`); default `Dockerfile`. */
  readonly dockerfile?: string;
}

export interface PodPlan {
  readonly manifest: PodManifest;
  /** Builder env names left out because they would override the instance role for ECR. */
  readonly droppedEnv: readonly string[];
  /** True when the context is streamed through Attach (no context URL). */
  readonly streamsContext: boolean;
}

export function computePodPlan(input: PodManifestInput, options: KanikoOptions): PodPlan {
  const destination = parseImageRef(input.image);
  const ecr = parseEcrHost(destination.registry);
  const streamsContext = options.contextUrl === undefined;
  const configured = options.cache === false ? false : options.cache === true ? {} : options.cache;
  const verify = input.stage === 'verify';
  const pushCache = verify && input.push && configured !== false;
  // Kaniko wants --cache-repo when it pushes cache layers under --no-push: name the one it infers otherwise.
  const cache =
    pushCache && configured && !configured.repo
      ? { ...configured, repo: `${destination.registry}/${destination.repository}/cache` }
      : configured;
  const platform = input.platforms[0];

  const argsInput: ExecutorArgsInput = {
    image: input.image,
    push: input.push && !verify,
    ...(pushCache && { pushCache }),
    ...(input.stage && { target: verify ? VERIFY_STAGE : IMAGE_STAGE }),
    context: options.contextUrl ?? 'tar://stdin',
    dockerfile: input.dockerfile ?? 'Dockerfile',
    contextSubPath: options.contextSubPath,
    logFormat: options.logFormat,
    cache,
    platform,
    insecureRegistries: [...options.insecureRegistries, ...input.insecureRegistries],
    skipTlsVerifyRegistries: options.skipTlsVerifyRegistries,
    extraArgs: options.extraArgs,
  };

  const droppedEnv: string[] = [];
  const env: EnvVar[] = [];
  for (const [name, value] of Object.entries(options.env).sort(([a], [b]) => a.localeCompare(b))) {
    if (ecr && !options.ecr.keepAwsCredentialsEnv && (AWS_CREDENTIAL_VARIABLES as readonly string[]).includes(name)) {
      droppedEnv.push(name);
      continue;
    }
    env.push({ name, value });
  }

  const resources = {
    ...(options.resources.requests ? { requests: { ...options.resources.requests } } : {}),
    ...(options.resources.limits ? { limits: { ...options.resources.limits } } : {}),
  };

  const kaniko: ContainerManifest = {
    name: KANIKO_CONTAINER,
    image: options.image,
    ...(options.imagePullPolicy ? { imagePullPolicy: options.imagePullPolicy } : {}),
    args: computeExecutorArgs(argsInput),
    ...(env.length > 0 ? { env } : {}),
    // stdinOnce: the container sees EOF when the one attach session that sends the context ends.
    ...(streamsContext ? { stdin: true, stdinOnce: true, tty: false } : {}),
    ...(Object.keys(resources).length > 0 ? { resources } : {}),
    ...(options.registrySecret
      ? {
          volumeMounts: [
            { name: 'docker-config', mountPath: DOCKER_CONFIG_PATH, subPath: 'config.json', readOnly: true },
          ],
        }
      : {}),
    terminationMessagePath: '/dev/termination-log',
    // The digest is the message on success; on failure with no message, the log tail is.
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };

  const initContainers: ContainerManifest[] = [];
  if (ecr && options.ecr.createRepository) {
    const repositories = [destination.repository];
    if (cache) {
      const cacheLocation = cache.repo ? parseImageRef(cache.repo) : undefined;
      if (!cacheLocation) repositories.push(`${destination.repository}/cache`);
      else if (cacheLocation.registry === destination.registry) repositories.push(cacheLocation.repository);
    }
    initContainers.push(ecrInitContainer(options, ecr.region, repositories, resources));
  }

  const nodeSelector = { ...platformSelector(platform), ...options.nodeSelector };
  const labels = {
    ...options.labels,
    'app.kubernetes.io/name': 'kaniko',
    'app.kubernetes.io/managed-by': 'imagespec',
    [HASH_LABEL]: input.hash,
    ...(input.stage && { [STAGE_LABEL]: input.stage }),
  };

  const manifest: PodManifest = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: 'imagespec-kaniko-',
      namespace: options.namespace,
      labels,
      annotations: { ...options.annotations, [IMAGE_ANNOTATION]: input.image },
    },
    spec: {
      restartPolicy: 'Never',
      // A backstop on the server: the pod ends even if this process dies before deleting it.
      activeDeadlineSeconds: Math.ceil(options.pendingTimeoutSeconds + options.buildTimeoutSeconds),
      ...(options.serviceAccountName ? { serviceAccountName: options.serviceAccountName } : {}),
      ...(options.priorityClassName ? { priorityClassName: options.priorityClassName } : {}),
      ...(Object.keys(nodeSelector).length > 0 ? { nodeSelector } : {}),
      ...(options.tolerations.length > 0 ? { tolerations: options.tolerations } : {}),
      ...(options.affinity ? { affinity: options.affinity } : {}),
      ...(options.imagePullSecrets.length > 0
        ? { imagePullSecrets: options.imagePullSecrets.map((name) => ({ name })) }
        : {}),
      ...(initContainers.length > 0 ? { initContainers } : {}),
      containers: [kaniko],
      ...(options.registrySecret
        ? {
            volumes: [
              {
                name: 'docker-config',
                secret: {
                  secretName: options.registrySecret,
                  items: [{ key: '.dockerconfigjson', path: 'config.json' }],
                },
              },
            ],
          }
        : {}),
    },
  };
  return { manifest, droppedEnv, streamsContext };
}

function platformSelector(platform: string | undefined): Record<string, string> {
  if (!platform) return {};
  const [os, arch] = platform.split('/');
  return { ...(os ? { 'kubernetes.io/os': os } : {}), ...(arch ? { 'kubernetes.io/arch': arch } : {}) };
}

// Repository names come through env, never through the script text, so nothing is interpolated into shell.
const ECR_SCRIPT = [
  'set -eu',
  'for repo in $IMAGESPEC_ECR_REPOSITORIES; do',
  '  aws ecr describe-repositories --repository-names "$repo" >/dev/null 2>&1 ||',
  '    aws ecr create-repository --repository-name "$repo" >/dev/null ||',
  '    aws ecr describe-repositories --repository-names "$repo" >/dev/null',
  '  echo "ECR repository $repo is ready"',
  'done',
].join('\n');

function ecrInitContainer(
  options: KanikoOptions,
  region: string,
  repositories: readonly string[],
  resources: ContainerManifest['resources'],
): ContainerManifest {
  return {
    name: ECR_INIT_CONTAINER,
    image: options.ecr.awsCliImage,
    command: ['sh', '-c', ECR_SCRIPT],
    env: [
      { name: 'AWS_REGION', value: region },
      { name: 'IMAGESPEC_ECR_REPOSITORIES', value: repositories.join(' ') },
    ],
    ...(resources && Object.keys(resources).length > 0 ? { resources } : {}),
  };
}
