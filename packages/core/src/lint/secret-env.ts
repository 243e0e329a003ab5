import type { ResolvedImageSpec } from '../contract/spec.js';
import { hasUrlCredentials } from '../spec/redact.js';
import type { LintFinding } from './rules.js';

/**
 * Rule `secret-env`: an env or label value that looks like a secret. ENV and LABEL values
 * are stored in the image's config and history, readable by anyone who can pull the image.
 *
 * Names (case-insensitive): `*_TOKEN` (and `TOKEN`), anything with `SECRET`, `PASSWORD`,
 * `PASSWD` or `CREDENTIAL`, `*_PWD` (not `PWD`/`OLDPWD`, the shell's folders), and `*_KEY`
 * only after a word that makes it a secret (`API_KEY`, `ACCESS_KEY`, `PRIVATE_KEY`, ...):
 * a bare `*_KEY` is too often public or no secret at all (python images set `GPG_KEY` to a
 * public key's fingerprint; `SORT_KEY`, `CACHE_KEY`). A name match with an empty value is
 * a placeholder, not a secret.
 *
 * Values, under any name (labels too): tokens whose shape their issuer documents, a PEM
 * block, and URLs with credentials. Messages name the key and the kind, never the value.
 */

const SECRET_NAME =
  /(?:^|_)TOKEN$|SECRET|PASSWORD|PASSWD|CREDENTIAL|.+_PWD$|(?:^|_)(?:API|ACCESS|PRIVATE|SIGNING|ENCRYPTION|CLIENT|ACCOUNT|AUTH|MASTER|LICENSE|SERVICE)_?KEY$/i;

const SECRET_VALUES: readonly (readonly [RegExp, string])[] = [
  [/\bgh[pousr]_[A-Za-z0-9]{36,}/, 'a GitHub token'],
  [/\bgithub_pat_[A-Za-z0-9_]{22,}/, 'a GitHub fine-grained token'],
  [/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/, 'an AWS access key id'],
  [/\bxox[abprs]-[A-Za-z0-9-]{10,}/, 'a Slack token'],
  [/\bglpat-[A-Za-z0-9_-]{20,}/, 'a GitLab token'],
  [/\bhf_[A-Za-z0-9]{30,}/, 'a Hugging Face token'],
  [/\bnpm_[A-Za-z0-9]{36}\b/, 'an npm token'],
  [/\bAIza[0-9A-Za-z_-]{35}\b/, 'a Google API key'],
  [/\bsk-(?:proj-)?[A-Za-z0-9_-]{32,}/, 'an OpenAI-style secret key'],
  [/-----BEGIN [A-Z0-9 ]*-----/, 'a PEM block (a key or certificate)'],
];

/** Why a value looks like a secret, or undefined. */
export function secretValueKind(value: string): string | undefined {
  for (const [pattern, kind] of SECRET_VALUES) if (pattern.test(value)) return kind;
  return hasUrlCredentials(value) ? 'a URL with credentials (user:password@)' : undefined;
}

export function lintSecretEnv(spec: ResolvedImageSpec): LintFinding[] {
  const findings: LintFinding[] = [];
  const stored = 'is stored in the image config and history, readable by anyone who can pull the image';
  const fix =
    "Pass it when the container runs (its platform's secret store), or, if the build needs it, as a build secret through pipSecretMounts.";
  for (const [name, value] of Object.entries(spec.env)) {
    const kind = secretValueKind(value);
    const named = value.trim() !== '' && SECRET_NAME.test(name) && name !== 'PWD' && name !== 'OLDPWD';
    if (!kind && !named) continue;
    findings.push({
      rule: 'secret-env',
      image: spec.name,
      path: ['env', name],
      message: `env ${name} ${kind ? `holds what looks like ${kind}` : 'has a name that says it holds a secret'}; its value ${stored}. ${fix}`,
    });
  }
  for (const [key, value] of Object.entries(spec.labels)) {
    const kind = secretValueKind(value);
    if (!kind) continue;
    findings.push({
      rule: 'secret-env',
      image: spec.name,
      path: ['labels', key],
      message: `label ${key} holds what looks like ${kind}; its value ${stored}. Remove it from the labels.`,
    });
  }
  return findings;
}
