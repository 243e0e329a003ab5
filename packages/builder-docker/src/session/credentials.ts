import type { RegistryAccess } from '@imagespec/core/builder';

/**
 * What a BuildKit session's Auth service answers for a host (moby.filesync.v1.CredentialsResponse):
 * user name and password, or an identity token as the secret with no user name, as docker's CLI does.
 */
export async function sessionCredentials(
  registries: RegistryAccess,
  host: string,
): Promise<{ username: string; secret: string } | undefined> {
  const credentials = await registries.credentials(host);
  if (!credentials) return undefined;
  return 'identityToken' in credentials
    ? { username: '', secret: credentials.identityToken }
    : { username: credentials.username, secret: credentials.password };
}
