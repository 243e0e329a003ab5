import { en } from 'zod/locales';
import * as z from 'zod/mini';
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

// zod/mini, as the other builders' options: every build that configures this builder loads
// this module, and Node 20 keeps no code cache for ES modules. English messages, as classic zod's.
z.config(en());

const quantities = z.catchall(
  z.object({
    cpu: z.optional(z.string()),
    memory: z.optional(z.string()),
    'ephemeral-storage': z.optional(z.string()),
  }),
  z.string(),
);

const toleration = z.object({
  key: z.optional(z.string()),
  operator: z.optional(z.enum(['Exists', 'Equal'])),
  value: z.optional(z.string()),
  effect: z.optional(z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute'])),
  tolerationSeconds: z.optional(z.int()),
});

const contextUrl = z
  .string()
  .check(z.regex(/^(s3|gs|git|https):\/\/\S+$/, 'must be an s3://, gs://, git:// or https:// URL Kaniko can fetch'));

const envName = z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, 'not a valid environment variable name'));
const nonEmpty = () => z.string().check(z.minLength(1));
const seconds = (fallback: number) => z._default(z.number().check(z.positive()), fallback);

export const kanikoOptionsSchema = z.strictObject({
  /** Path to a kubeconfig file (relative to the config file). Default: $KUBECONFIG, ~/.kube/config, then in-cluster. */
  kubeconfig: z.optional(z.string()),
  /** kubeconfig context to use instead of its current-context. */
  context: z.optional(z.string()),
  /** Use the pod's service account (running inside the cluster), ignoring kubeconfig files. */
  inCluster: z._default(z.boolean(), false),
  namespace: z._default(nonEmpty(), 'default'),
  /** Executor image; see DEFAULT_EXECUTOR_IMAGE for why this fork. */
  image: z._default(nonEmpty(), DEFAULT_EXECUTOR_IMAGE),
  imagePullPolicy: z.optional(z.enum(['Always', 'IfNotPresent', 'Never'])),
  imagePullSecrets: z._default(z.array(nonEmpty()), []),
  serviceAccountName: z.optional(z.string()),
  /** Requests are applied; limits only when given, since a memory limit can kill Kaniko mid-build. */
  resources: z._default(z.object({ requests: z.optional(quantities), limits: z.optional(quantities) }), {}),
  nodeSelector: z._default(z.record(z.string(), z.string()), {}),
  tolerations: z._default(z.array(toleration), []),
  /** A V1Affinity object, passed through unchanged. */
  affinity: z.optional(z.record(z.string(), z.unknown())),
  priorityClassName: z.optional(z.string()),
  labels: z._default(z.record(z.string(), z.string()), {}),
  annotations: z._default(z.record(z.string(), z.string()), {}),
  /** Name of a kubernetes.io/dockerconfigjson secret, mounted at /kaniko/.docker/config.json. */
  registrySecret: z.optional(z.string()),
  ecr: z._default(
    z.object({
      /** Run an init container that creates the image's repository and its cache repository. */
      createRepository: z._default(z.boolean(), false),
      awsCliImage: z._default(nonEmpty(), DEFAULT_AWS_CLI_IMAGE),
      /** Keep AWS_* credential variables in `env` (by default they are dropped so the node/IRSA role is used). */
      keepAwsCredentialsEnv: z._default(z.boolean(), false),
    }),
    { createRepository: false, awsCliImage: DEFAULT_AWS_CLI_IMAGE, keepAwsCredentialsEnv: false },
  ),
  /** Environment of the executor container. */
  env: z._default(z.record(envName, z.string()), {}),
  cache: z._default(
    z.union([z.boolean(), z.object({ repo: z.optional(nonEmpty()), ttl: z.optional(z.string()) })]),
    false,
  ),
  /** Registries to reach over plain HTTP, in addition to those the imagespec config marks insecure. */
  insecureRegistries: z._default(z.array(nonEmpty()), []),
  /** Registries whose TLS certificate is not verified. */
  skipTlsVerifyRegistries: z._default(z.array(nonEmpty()), []),
  /** Extra executor flags, validated; they never replace --context, --dockerfile or --destination. */
  extraArgs: z._default(z.array(z.string()), []).check(
    z.superRefine((args, ctx) => {
      for (const message of validateExtraArgs(args)) ctx.addIssue({ code: 'custom', message, input: args });
    }),
  ),
  logFormat: z._default(z.enum(['json', 'text', 'color']), 'json'),
  /** Let Kaniko fetch the context from this URL instead of streaming it from here. */
  contextUrl: z.optional(contextUrl),
  contextSubPath: z.optional(z.string()),
  /** Seconds the pod may stay Pending (scheduling, image pull) before the build fails. */
  pendingTimeoutSeconds: seconds(300),
  /** Seconds the executor may run once started. */
  buildTimeoutSeconds: seconds(3600),
  /** Seconds `available()` waits for the API server. */
  connectTimeoutSeconds: seconds(5),
});

export type KanikoOptionsInput = z.input<typeof kanikoOptionsSchema>;
export type KanikoOptions = z.output<typeof kanikoOptionsSchema>;

/** Options with every default applied (pure). Throws zod's error on invalid input. */
export function resolveKanikoOptions(input: KanikoOptionsInput = {}): KanikoOptions {
  return kanikoOptionsSchema.parse(input);
}
