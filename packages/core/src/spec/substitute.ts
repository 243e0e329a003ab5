/**
 * `${VAR}` and `${VAR:-default}` in spec values, as compose and bake read them: `${VAR}` is
 * the variable's value (an empty one included), `${VAR:-default}` the default when the
 * variable is unset or empty, and `$$` a literal `$`. A `$` before anything else (`$HOME`)
 * stays as written: imagespec reads only the braced form, so text meant for a shell keeps working.
 */

export type Env = Readonly<Record<string, string | undefined>>;

export type SubstitutionResult =
  | { readonly ok: true; readonly value: string }
  | { readonly ok: false; readonly message: string };

/** Fields a shell evaluates at build or run time: their `$VAR` and `${VAR}` belong to that shell. */
export const SHELL_FIELDS: ReadonlySet<string> = new Set(['commands', 'verify', 'entrypoint', 'cmd']);

const REFERENCE = /\$(?:\$|\{([^}]*)\})/g;
const BODY = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s;

/** Substitutes the variable references of one string; a message naming the first unset or malformed one. */
export function substituteVariables(text: string, env: Env): SubstitutionResult {
  if (!text.includes('$')) return { ok: true, value: text };
  let problem: string | undefined;
  const value = text.replace(REFERENCE, (match, body: string | undefined) => {
    if (body === undefined) return '$';
    if (problem) return match;
    const parts = BODY.exec(body);
    if (!parts) {
      problem = `\`${match}\` is not a variable reference imagespec reads: write \`\${NAME}\` or \`\${NAME:-default}\` (a name of letters, digits and _), or \`$$\` for a literal \`$\``;
      return match;
    }
    const [, name, fallback] = parts as unknown as [string, string, string | undefined];
    const set = Object.hasOwn(env, name) ? env[name] : undefined;
    if (fallback !== undefined) return set ? set : fallback;
    if (set !== undefined) return set;
    problem = `variable \`${name}\` is not set: set it in the environment, or give a default with \`\${${name}:-...}\``;
    return match;
  });
  return problem ? { ok: false, message: problem } : { ok: true, value };
}
