import { execFile } from 'node:child_process';
import { ImagespecError } from '../errors.js';

/**
 * The full sha of HEAD of the git repository holding `dir`, for the `{gitSha}` tag
 * placeholders. `git rev-parse` rather than reading .git by hand: worktrees, packed refs
 * and submodules all resolve the way git itself does.
 */
export function gitCommit(dir: string, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      ['rev-parse', '--verify', 'HEAD^{commit}'],
      { cwd: dir, encoding: 'utf8', ...(signal && { signal }) },
      (error, stdout, stderr) => {
        const sha = stdout.trim();
        if (!error && /^[0-9a-f]{40,64}$/.test(sha)) return resolve(sha);
        const why = (stderr.trim().split('\n')[0] ?? '') || (error?.message ?? `it printed \`${sha}\``);
        reject(
          new ImagespecError(
            'SPEC_INVALID',
            `A tag in \`tags\` uses {gitSha} or {gitShortSha}, but the commit of ${dir} could not be read with \`git rev-parse HEAD\`: ${why}`,
            {
              hint: 'Run imagespec inside a git repository with at least one commit (and git on PATH), or drop the git placeholders from `tags`.',
              details: { dir },
            },
          ),
        );
      },
    );
  });
}
