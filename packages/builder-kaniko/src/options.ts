import * as z from 'zod';
import { validateExtraArgs } from './args.js';

/**
 * Google archived GoogleContainerTools/kaniko in June 2025. osscontainertools/kaniko is the
 * fork that keeps fixing bugs and publishes public images (Chainguard's fork ships source
 * only; its images go to Chainguard customers). Pinned so a build never changes executor
 * under a user's feet; override with the `image` option.
 */
export const DEFAULT_EXECUTOR_IMAGE = 'ghcr.io/osscontainertools/kaniko:v1.28.5';

/** Image of the optional ECR init container that creates the repositories (`aws` on PATH). */
export const DEFAULT_AWS_CLI_IMAGE = 'amazon/aws-cli:2.27.0';

const quantities = z
  .object({ cpu: z.string().optional(), memory: z.string().optional(), 'ephemeral-storage': z.string().optional() })
  .catchall(z.string());

const toleration = z.object({
  key: z.string().optional(),
  operator: z.enum(['Exists', 'Equal']).optional(),
  value: z.string().optional(),
  effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
  tolerationSeconds: z.number().int().optional(),
});

const contextUrl = z
  .string()
  .regex(/^(s3|gs|git|https):\/\/\S+$/, 'must be an s3://, gs://, git:// or https:// URL Kaniko can fetch');

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, 'not a valid environment variable name');

export const kanikoOptionsSchema = z
  .object({
    /** Path to a kubeconfig file (relative to the config file). Default: $KUBECONFIG, ~/.kube/config, then in-cluster. */
    kubeconfig: z.string().optional(),
    /** kubeconfig context to use instead of its current-context. */
    context: z.string().optional(),
    /** Use the pod's service account (running inside the cluster), ignoring kubeconfig files. */
    inCluster: z.boolean().default(false),
    namespace: z.string().min(1).default('default'),
    /** Executor image; see DEFAULT_EXECUTOR_IMAGE for why this fork. */
    image: z.string().min(1).default(DEFAULT_EXECUTOR_IMAGE),
    imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).optional(),
    imagePullSecrets: z.array(z.string().min(1)).default([]),
    serviceAccountName: z.string().optional(),
    /** Requests are applied; limits only when given, since a memory limit can kill Kaniko mid-build. */
    resources: z.object({ requests: quantities.optional(), limits: quantities.optional() }).default({}),
    nodeSelector: z.record(z.string(), z.string()).default({}),
    tolerations: z.array(toleration).default([]),
    /** A V1Affinity object, passed through unchanged. */
    affinity: z.record(z.string(), z.unknown()).optional(),
    priorityClassName: z.string().optional(),
    labels: z.record(z.string(), z.string()).default({}),
    annotations: z.record(z.string(), z.string()).default({}),
    /** Name of a kubernetes.io/dockerconfigjson secret, mounted at /kaniko/.docker/config.json. */
    registrySecret: z.string().optional(),
    ecr: z
      .object({
        /** Run an init container that creates the image's repository and its cache repository. */
        createRepository: z.boolean().default(false),
        awsCliImage: z.string().min(1).default(DEFAULT_AWS_CLI_IMAGE),
        /** Keep AWS_* credential variables in `env` (by default they are dropped so the node/IRSA role is used). */
        keepAwsCredentialsEnv: z.boolean().default(false),
      })
      .default({ createRepository: false, awsCliImage: DEFAULT_AWS_CLI_IMAGE, keepAwsCredentialsEnv: false }),
    /** Environment of the executor container. */
    env: z.record(envName, z.string()).default({}),
    cache: z
      .union([z.boolean(), z.object({ repo: z.string().min(1).optional(), ttl: z.string().optional() })])
      .default(false),
    /** Registries to reach over plain HTTP, in addition to those the imagespec config marks insecure. */
    insecureRegistries: z.array(z.string().min(1)).default([]),
    /** Registries whose TLS certificate is not verified. */
    skipTlsVerifyRegistries: z.array(z.string().min(1)).default([]),
    /** Extra executor flags, validated; they never replace --context, --dockerfile or --destination. */
    extraArgs: z
      .array(z.string())
      .default([])
      .superRefine((args, ctx) => {
        for (const message of validateExtraArgs(args)) ctx.addIssue({ code: 'custom', message });
      }),
    logFormat: z.enum(['json', 'text', 'color']).default('json'),
    /** Let Kaniko fetch the context from this URL instead of streaming it from here. */
    contextUrl: contextUrl.optional(),
    contextSubPath: z.string().optional(),
    /** Seconds the pod may stay Pending (scheduling, image pull) before the build fails. */
    pendingTimeoutSeconds: z.number().positive().default(300),
    /** Seconds the executor may run once started. */
    buildTimeoutSeconds: z.number().positive().default(3600),
    /** Seconds `available()` waits for the API server. */
    connectTimeoutSeconds: z.number().positive().default(5),
  })
  .strict();

export type KanikoOptionsInput = z.input<typeof kanikoOptionsSchema>;
export type KanikoOptions = z.output<typeof kanikoOptionsSchema>;

/** Options with every default applied (pure). Throws zod's error on invalid input. */
export function resolveKanikoOptions(input: KanikoOptionsInput = {}): KanikoOptions {
  return kanikoOptionsSchema.parse(input);
}
