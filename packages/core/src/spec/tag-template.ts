import { validateTag } from './grammar.js';

/**
 * Extra tags (`tags: [latest, "{hash}", "git-{gitSha}"]`): templates rendered after the
 * hash is known. Pure; the git commit is read by the engine (engine/git-commit.ts) and
 * only when a template asks for it.
 */

/** What a template may name, and what each stands for. */
export interface TagValues {
  /** The content hash (what `{hash}` in tagFormat is). */
  readonly hash: string;
  /** Full sha of HEAD of the spec's git repository. */
  readonly gitSha?: string;
}

export const TAG_PLACEHOLDERS = ['hash', 'gitSha', 'gitShortSha'] as const;
const GIT_PLACEHOLDER = /\{gitS(?:ha|hortSha)\}/;
const PLACEHOLDER = /\{([^{}]*)\}/g;

/** Whether a template needs the git commit (so the engine reads it only then). */
export function usesGit(template: string): boolean {
  return GIT_PLACEHOLDER.test(template);
}

/** Replaces each placeholder; a git one without `values.gitSha` is the caller's bug (see usesGit). */
export function renderTagTemplate(template: string, values: TagValues): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => {
    if (name === 'hash') return values.hash;
    if (name === 'gitSha' && values.gitSha) return values.gitSha;
    if (name === 'gitShortSha' && values.gitSha) return values.gitSha.slice(0, 7);
    return whole;
  });
}

/** Sample values of full length: a template that renders to a valid tag with them always does. */
const SAMPLE: TagValues = { hash: 'a'.repeat(26), gitSha: 'f'.repeat(40) };

/** Why a template cannot make a tag, or undefined. */
export function tagTemplateProblem(template: string): string | undefined {
  for (const [, name] of template.matchAll(PLACEHOLDER)) {
    if (!(TAG_PLACEHOLDERS as readonly string[]).includes(name ?? '')) {
      return `tag \`${template}\` names \`{${name}}\`; a tag may use ${TAG_PLACEHOLDERS.map((p) => `\`{${p}}\``).join(', ')}`;
    }
  }
  if (validateTag(renderTagTemplate(template, SAMPLE)) === undefined) return undefined;
  return `tag \`${template}\` does not yield a valid tag (up to 128 of letters, digits, _ . -; not starting with . or -)`;
}
