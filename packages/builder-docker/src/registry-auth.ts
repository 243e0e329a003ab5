import type { RegistryAccess, RegistryCredentials } from '@imagespec/core/builder';

/** Docker's AuthConfig as the engine API takes it (X-Registry-Auth / X-Registry-Config). */
export interface EngineAuthConfig {
  readonly username?: string;
  readonly password?: string;
  readonly identitytoken?: string;
  readonly serveraddress: string;
}

export function toEngineAuth(host: string, credentials: RegistryCredentials): EngineAuthConfig {
  return 'identityToken' in credentials
    ? { identitytoken: credentials.identityToken, serveraddress: host }
    : { username: credentials.username, password: credentials.password, serveraddress: host };
}

/** Credentials for each host that has some, keyed by host (the X-Registry-Config shape). */
export async function engineAuthFor(
  registries: RegistryAccess,
  hosts: readonly string[],
): Promise<Record<string, EngineAuthConfig>> {
  const entries = await Promise.all(
    hosts.map(async (host) => {
      const credentials = await registries.credentials(host);
      return credentials ? ([host, toEngineAuth(host, credentials)] as const) : undefined;
    }),
  );
  return Object.fromEntries(entries.filter((entry) => entry !== undefined));
}
