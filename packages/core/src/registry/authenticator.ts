import type { RegistryAccess, RegistryCredentials } from '../contract/builder.js';
import { ImagespecError } from '../errors.js';
import type { RegistryRequestInit, RegistryResponse } from './http-fetch.js';
import { describeRegistryAnswer } from './registry-answer.js';
import { type AuthChallenge, parseWwwAuthenticate } from './www-authenticate.js';

/**
 * Sends one HTTP request with the client's timeout and signal; throws REGISTRY_UNREACHABLE/CANCELLED.
 * `host` is the registry the request is for (its CA applies to its token server too).
 */
export type Send = (
  url: string,
  init: RegistryRequestInit,
  options: { signal?: AbortSignal; host?: string },
) => Promise<SentResponse>;

export interface SentResponse {
  readonly response: RegistryResponse;
  /** The whole body, under the same timeout and signal as the request. */
  body(): Promise<Buffer>;
}

export interface Authenticator {
  /** The Authorization value to send before any challenge, once the host's scheme is known (tokens are cached). */
  authorization(host: string, scope: string, signal?: AbortSignal): Promise<string | undefined>;
  /**
   * Answers a 401: a token (Bearer) or the basic credentials (Basic). `sent` is the
   * Authorization the refused request carried: a token other than that one (fetched
   * meanwhile by a concurrent request) is reused, the refused one never. Throws REGISTRY_AUTH.
   */
  challenge(
    host: string,
    scope: string,
    answer: RegistryResponse,
    signal?: AbortSignal,
    sent?: string,
  ): Promise<string>;
}

type HostScheme =
  | { readonly kind: 'basic' }
  | { readonly kind: 'bearer'; readonly realm: string; readonly service?: string };

/** Tokens are dropped this long before they expire, so a request never leaves with a dying token. */
const EXPIRY_MARGIN_MS = 10_000;
/** The token spec's default lifetime when the token server names none. */
const DEFAULT_TOKEN_SECONDS = 60;

/**
 * The distribution auth protocol: anonymous first; on 401 the `WWW-Authenticate` challenge
 * says Basic (send the credentials) or Bearer (ask the realm for a token for the scope,
 * with basic credentials, or an identity token as an OAuth2 refresh token). What a host
 * asked for is remembered, and tokens are cached per scope until they expire, so later
 * requests authenticate up front instead of taking a 401 each time.
 */
export function createAuthenticator(options: {
  access: RegistryAccess;
  send: Send;
  now?: () => number;
}): Authenticator {
  const { access, send } = options;
  const now = options.now ?? Date.now;
  const schemes = new Map<string, HostScheme>();
  const tokens = new Map<string, { value: string; expiresAt: number }>();
  /** Token requests in flight: concurrent checks of one repository share one. */
  const pending = new Map<string, Promise<string>>();

  async function basic(host: string): Promise<string> {
    const credentials = await access.credentials(host);
    if (!credentials) {
      throw new ImagespecError(
        'REGISTRY_AUTH',
        `Registry ${host} requires a login, and no credentials for ${host} were found.`,
        {
          hint: `Run \`docker login ${host}\`, or add ${host} to the auths or credHelpers of your Docker config.`,
          details: { host, httpStatus: 401 },
        },
      );
    }
    if (!('username' in credentials)) {
      throw new ImagespecError(
        'REGISTRY_AUTH',
        `Registry ${host} asks for basic auth, but its credentials are an identity token only.`,
        {
          hint: `Log in to ${host} with a username and password (\`docker login ${host}\`).`,
          details: { host, httpStatus: 401 },
        },
      );
    }
    return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
  }

  function bearer(host: string, scheme: BearerScheme, scope: string, signal?: AbortSignal): Promise<string> {
    const key = tokenKey(host, scheme, scope);
    let inFlight = pending.get(key);
    if (!inFlight) {
      inFlight = fetchToken(key, host, scheme, scope, signal).finally(() => pending.delete(key));
      pending.set(key, inFlight);
    }
    return inFlight;
  }

  async function fetchToken(
    key: string,
    host: string,
    scheme: BearerScheme,
    scope: string,
    signal?: AbortSignal,
  ): Promise<string> {
    const credentials = await access.credentials(host);
    const url = new URL(scheme.realm);
    const init: { method?: string; body?: string; headers: Record<string, string> } = {
      headers: { Accept: 'application/json' },
    };
    if (credentials && 'identityToken' in credentials) {
      // Docker's OAuth2 flow: the identity token from `docker login` is a refresh token.
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: credentials.identityToken,
        client_id: 'imagespec',
      });
      if (scheme.service) form.set('service', scheme.service);
      form.set('scope', scope);
      init.method = 'POST';
      init.body = form.toString();
      init.headers['Content-Type'] = 'application/x-www-form-urlencoded';
    } else {
      if (scheme.service) url.searchParams.set('service', scheme.service);
      // Several scopes (a push that mounts from another repository) go as repeated parameters.
      for (const one of scope.split(' ')) url.searchParams.append('scope', one);
      if (credentials) {
        url.searchParams.set('account', credentials.username);
        init.headers.Authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
      }
      init.method = 'GET';
    }
    const sent = await send(url.toString(), init, { host, ...(signal && { signal }) });
    const text = (await sent.body()).toString('utf8');
    if (!sent.response.ok) {
      throw new ImagespecError(
        'REGISTRY_AUTH',
        `The token server of ${host} (${scheme.realm}) refused a token for ${scope}${describeWho(credentials)}: ${describeRegistryAnswer(sent.response.status, sent.response.statusText, text)}`,
        {
          hint: credentialsHint(host, credentials),
          details: { host, httpStatus: sent.response.status, realm: scheme.realm },
        },
      );
    }
    const token = parseTokenResponse(text);
    if (!token) {
      throw new ImagespecError(
        'REGISTRY_AUTH',
        `The token server of ${host} (${scheme.realm}) answered without a token: ${text.slice(0, 200)}`,
        {
          hint: `Check that ${scheme.realm} is the registry's token service and not a proxy or login page in front of it.`,
          details: { host, realm: scheme.realm },
        },
      );
    }
    tokens.set(key, { value: token.token, expiresAt: now() + token.expiresInSeconds * 1000 - EXPIRY_MARGIN_MS });
    return `Bearer ${token.token}`;
  }

  return {
    async authorization(host, scope, signal) {
      const scheme = schemes.get(host);
      if (!scheme) return undefined;
      if (scheme.kind === 'basic') return basic(host);
      const cached = tokens.get(tokenKey(host, scheme, scope));
      if (cached && cached.expiresAt > now()) return `Bearer ${cached.value}`;
      return bearer(host, scheme, scope, signal);
    },

    async challenge(host, scope, answer, signal, sent) {
      const challenges = parseWwwAuthenticate(answer.headers.get('www-authenticate'));
      const bearerChallenge = challenges.find((c) => c.scheme === 'bearer' && c.params.realm);
      if (bearerChallenge) {
        const scheme = toBearerScheme(bearerChallenge);
        schemes.set(host, scheme);
        const key = tokenKey(host, scheme, scope);
        const cached = tokens.get(key);
        if (cached && cached.expiresAt > now() && `Bearer ${cached.value}` !== sent) return `Bearer ${cached.value}`;
        tokens.delete(key);
        return bearer(host, scheme, scope, signal);
      }
      if (challenges.some((c) => c.scheme === 'basic')) {
        schemes.set(host, { kind: 'basic' });
        return basic(host);
      }
      throw new ImagespecError(
        'REGISTRY_AUTH',
        `Registry ${host} answered HTTP 401 without an auth challenge imagespec can answer (WWW-Authenticate: ${answer.headers.get('www-authenticate') ?? 'missing'}).`,
        {
          hint: 'imagespec answers Basic and Bearer challenges; check that the reference points at the registry itself, not at a proxy or login page in front of it.',
          details: { host, httpStatus: 401 },
        },
      );
    },
  };
}

type BearerScheme = { readonly realm: string; readonly service?: string };

function tokenKey(host: string, scheme: BearerScheme, scope: string): string {
  return `${host}\n${scheme.realm}\n${scheme.service ?? ''}\n${scope}`;
}

function toBearerScheme(challenge: AuthChallenge): HostScheme & { kind: 'bearer' } {
  const realm = challenge.params.realm as string;
  const service = challenge.params.service;
  return service ? { kind: 'bearer', realm, service } : { kind: 'bearer', realm };
}

/** `{token}` or `{access_token}` (OAuth2), with `expires_in` seconds. */
function parseTokenResponse(text: string): { token: string; expiresInSeconds: number } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const body = parsed as { token?: unknown; access_token?: unknown; expires_in?: unknown } | null;
  const token = typeof body?.token === 'string' && body.token ? body.token : body?.access_token;
  if (typeof token !== 'string' || token === '') return undefined;
  const expires = typeof body?.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : DEFAULT_TOKEN_SECONDS;
  return { token, expiresInSeconds: expires };
}

function describeWho(credentials: RegistryCredentials | undefined): string {
  if (!credentials) return ' (anonymously)';
  return 'username' in credentials ? ` as ${credentials.username}` : ' with an identity token';
}

function credentialsHint(host: string, credentials: RegistryCredentials | undefined): string {
  return credentials
    ? `Check the credentials for ${host} in your Docker config or credential helper (\`docker login ${host}\` refreshes them).`
    : `Log in with \`docker login ${host}\`, or add ${host} to the auths or credHelpers of your Docker config.`;
}
