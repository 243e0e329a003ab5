import type { ResolvedImageSpec } from '../contract/spec.js';
import type { LintFinding } from './rules.js';

/**
 * Rule `secret-file`: a file whose name says it holds credentials, in a folder the spec
 * copies (a `copy` entry or the source tree). What the ignore rules leave out never gets
 * here (the listing is the context's own), so the fix is one ignore line.
 *
 * Names: `.env`, `.env.*`, `.env-*`, `.envrc` (not `.env.example`, `.env.sample`,
 * `.env.template`); `*.pem`, `*.key`, `*.p12`, `*.pfx`; `id_rsa*`, `id_dsa*`, `id_ecdsa*`,
 * `id_ed25519*` (not `*.pub`); `.npmrc`, `.pypirc`, `.netrc`, `.git-credentials`;
 * `credentials*.json`; `kubeconfig`, `*.kubeconfig`, `.kube/config`; `.docker/config.json`.
 *
 * Kept on purpose: a file the tree's `.dockerignore` lists with a `!` line (`!.env.defaults`;
 * for Docker a no-op when nothing excluded it), and a file a copy entry names directly
 * (the spec line is the decision).
 */

const NAME_KINDS: readonly (readonly [RegExp, string])[] = [
  [/^\.env(?:rc)?$|^\.env[.\-_](?!(?:.*[.\-_])?(?:example|sample|template)$)/, 'an env file'],
  [/\.(?:pem|key|p12|pfx)$/, 'a private key or certificate file'],
  [/^id_(?:rsa|dsa|ecdsa|ed25519)(?!.*\.pub$)/, 'an SSH private key'],
  [/^\.(?:npmrc|pypirc|netrc|git-credentials)$/, 'a package-index or git credentials file'],
  [/^credentials.*\.json$/, 'a cloud credentials file'],
  [/^kubeconfig$|\.kubeconfig$/, 'a kubeconfig'],
];
const PATH_KINDS: readonly (readonly [RegExp, string])[] = [
  [/(?:^|\/)\.kube\/config$/, 'a kubeconfig'],
  [/(?:^|\/)\.docker\/config\.json$/, 'a Docker credentials file'],
];

/** Why a path (POSIX, relative to its tree) looks like a secret, or undefined. */
export function secretFileKind(path: string): string | undefined {
  const name = path.slice(path.lastIndexOf('/') + 1);
  for (const [pattern, kind] of NAME_KINDS) if (pattern.test(name)) return kind;
  for (const [pattern, kind] of PATH_KINDS) if (pattern.test(path)) return kind;
  return undefined;
}

/** One folder the spec copies, as the build context lists it. */
export interface CopiedTree {
  /** The spec field (`['copy', 0]`, `['sourceRoot']`), for file:line. */
  readonly field: readonly (string | number)[];
  /** The folder on the build host. */
  readonly root: string;
  /** Its regular files; `keptBy` when a `.dockerignore` `!` line keeps one. */
  readonly files: readonly { readonly path: string; readonly keptBy?: string }[];
}

/** Pure: a finding per secret-looking file entering the image. */
export function lintSecretFiles(spec: ResolvedImageSpec, trees: readonly CopiedTree[]): LintFinding[] {
  const findings: LintFinding[] = [];
  for (const tree of trees) {
    for (const file of tree.files) {
      const kind = file.keptBy === undefined ? secretFileKind(file.path) : undefined;
      if (!kind) continue;
      findings.push({
        rule: 'secret-file',
        image: spec.name,
        path: tree.field,
        message: `${tree.root}/${file.path} looks like ${kind} and goes into the image, where anyone who can pull it can read it. Leave it out (a line in .gitignore or .dockerignore), or keep it on purpose with a \`!${file.path}\` line in ${tree.root}/.dockerignore.`,
      });
    }
  }
  return findings;
}
