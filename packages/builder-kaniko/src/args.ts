/**
 * The Kaniko executor's argv (pure). The flags imagespec relies on (where the context and
 * Dockerfile come from, where the image goes, where the digest is written, the log format
 * it parses) are always its own: extra args may add flags, never replace these.
 */

/** Flags the builder sets itself; an extra arg naming one is rejected. */
export const RESERVED_FLAGS: ReadonlySet<string> = new Set([
  'context',
  'context-sub-path',
  'dockerfile',
  'destination',
  'no-push',
  'digest-file',
  'log-format',
  'tar-path',
  // With verify the builder picks the stage; a user's would build or push the wrong one.
  'target',
]);

const SHORT_ALIASES: Readonly<Record<string, string>> = { c: 'context', d: 'destination', f: 'dockerfile' };

/**
 * Problems with `extraArgs`, one message per bad entry (empty when all are fine). Each entry
 * must be one token, `--flag` or `--flag=value`: a separate value token could itself look
 * like `--destination=...` to the executor's flag parser.
 */
export function validateExtraArgs(extraArgs: readonly string[]): string[] {
  const problems: string[] = [];
  extraArgs.forEach((arg, index) => {
    const short = /^-([a-zA-Z])(?:=|$)/.exec(arg);
    if (short) {
      const long = SHORT_ALIASES[short[1]!];
      problems.push(
        long
          ? `extraArgs[${index}] "${arg}" would override --${long}, which the builder sets`
          : `extraArgs[${index}] "${arg}": use the long --flag=value form`,
      );
      return;
    }
    const match = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/s.exec(arg);
    if (!match) {
      problems.push(`extraArgs[${index}] "${arg}" is not of the form --flag or --flag=value`);
      return;
    }
    if (RESERVED_FLAGS.has(match[1]!)) {
      problems.push(`extraArgs[${index}] "${arg}" would override --${match[1]}, which the builder sets`);
    }
    if (match[2]?.includes('\n')) problems.push(`extraArgs[${index}] contains a newline`);
  });
  return problems;
}

export interface ExecutorArgsInput {
  /** Full destination reference with the content tag. */
  readonly image: string;
  readonly push: boolean;
  /** With `push` false: still push the cache layers (to an explicit cache repo), for a later build to reuse. */
  readonly pushCache?: boolean;
  /** The Dockerfile stage to build (`--target`); absent: the last one. */
  readonly target?: string | undefined;
  /** `tar://stdin` when the context is streamed, else the URL Kaniko fetches. */
  readonly context: string;
  /** The Dockerfile's path in the context (`--dockerfile`). */
  readonly dockerfile: string;
  readonly contextSubPath?: string | undefined;
  readonly logFormat: 'json' | 'text' | 'color';
  readonly cache: false | { readonly repo?: string | undefined; readonly ttl?: string | undefined };
  /** One platform at most (Kaniko builds for one); empty: the node's. */
  readonly platform?: string | undefined;
  readonly insecureRegistries: readonly string[];
  readonly skipTlsVerifyRegistries: readonly string[];
  readonly extraArgs: readonly string[];
}

export const TERMINATION_LOG = '/dev/termination-log';

export function computeExecutorArgs(input: ExecutorArgsInput): string[] {
  const args = [`--context=${input.context}`];
  if (input.contextSubPath) args.push(`--context-sub-path=${input.contextSubPath}`);
  args.push(`--dockerfile=${input.dockerfile}`, `--destination=${input.image}`);
  if (input.target) args.push(`--target=${input.target}`);
  // With --no-push the destination still names the cache repo Kaniko infers; nothing is pushed.
  if (!input.push) args.push('--no-push', ...(input.pushCache ? [] : ['--no-push-cache']));
  args.push(`--digest-file=${TERMINATION_LOG}`, `--log-format=${input.logFormat}`);
  if (input.cache) {
    args.push('--cache=true');
    if (input.cache.repo) args.push(`--cache-repo=${input.cache.repo}`);
    if (input.cache.ttl) args.push(`--cache-ttl=${input.cache.ttl}`);
  }
  if (input.platform) args.push(`--custom-platform=${input.platform}`);
  for (const host of unique(input.insecureRegistries)) args.push(`--insecure-registry=${host}`);
  for (const host of unique(input.skipTlsVerifyRegistries)) args.push(`--skip-tls-verify-registry=${host}`);
  args.push(...input.extraArgs);
  return args;
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}
