import { access, constants, readFile } from 'node:fs/promises';
import { type BuildRequest, ImagespecError } from '@imagespec/core/builder';

/** BuildKit's limit for one secret (500 KiB): larger values are refused there, so here first. */
const MAX_SECRET_BYTES = 500 * 1024;

/**
 * Before a build with secrets starts: each one's file is readable or its variable is set.
 * Messages name the secret and where it is read from, never its value.
 */
export async function checkSecrets(
  request: BuildRequest,
  env: Readonly<Record<string, string | undefined>>,
): Promise<void> {
  for (const secret of request.secrets) {
    if (secret.src !== undefined) {
      const readable = await access(secret.src, constants.R_OK).then(
        () => true,
        () => false,
      );
      if (!readable) {
        throw new ImagespecError(
          'FILE_NOT_FOUND',
          `The secret "${secret.id}" for ${request.image} reads ${secret.src}, which is not a readable file.`,
          {
            hint: 'Fix `src` in pipSecretMounts, or use `env` to take the secret from an environment variable.',
            details: { secret: secret.id, src: secret.src },
          },
        );
      }
    } else if (env[secret.env ?? secret.id] === undefined) {
      const name = secret.env ?? secret.id;
      throw new ImagespecError(
        'BUILD_FAILED',
        `The secret "${secret.id}" for ${request.image} reads the environment variable ${name}, which is not set.`,
        {
          hint: `Set ${name} in the environment imagespec runs in, or use \`src\` to read the secret from a file.`,
          details: { secret: secret.id, env: name },
        },
      );
    }
  }
}

/** The session's secrets service for one build: a mount's value by id, read when BuildKit asks. */
export function secretSource(
  request: BuildRequest,
  env: Readonly<Record<string, string | undefined>>,
): (id: string) => Promise<Buffer | undefined> {
  return async (id) => {
    const secret = request.secrets.find((candidate) => candidate.id === id);
    if (!secret) return undefined;
    const value =
      secret.src !== undefined ? await readFile(secret.src) : Buffer.from(env[secret.env ?? secret.id] ?? '', 'utf8');
    if (value.length > MAX_SECRET_BYTES) {
      throw new Error(`${value.length} bytes, more than BuildKit's ${MAX_SECRET_BYTES}`);
    }
    return value;
  };
}
