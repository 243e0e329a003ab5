import { createHash } from 'node:crypto';
import type { RegistryAccess } from '../contract/builder.js';
import { ImagespecError, isImagespecError } from '../errors.js';
import { formatImageRef, parseImageRef } from '../image-ref/image-ref.js';
import { createAuthenticator, type SentResponse } from './authenticator.js';
import type { RegistryFetch, RegistryResponse } from './http-fetch.js';
import { describeRegistryAnswer, excerpt, parseRegistryErrors } from './registry-answer.js';
import { createSend } from './send.js';

/** What the registry says about one image: there, not there, or no usable answer (never read as "not there"). */
export type ManifestCheck =
  | { readonly status: 'exists'; readonly digest?: string; readonly mediaType?: string }
  | { readonly status: 'absent' }
  | { readonly status: 'unknown'; readonly reason: string; readonly httpStatus?: number; readonly hint?: string };

/** A manifest or index as the registry serves it. */
export interface RegistryManifest {
  readonly digest: string;
  readonly mediaType: string;
  /** The exact bytes (the digest is their sha256). */
  readonly body: Uint8Array;
  /** The parsed JSON. */
  readonly manifest: Readonly<Record<string, unknown>>;
}

export interface RegistryRequestOptions {
  readonly signal?: AbortSignal;
}

export interface PullRequestOptions extends RegistryRequestOptions {
  /** Go through the configured mirrors, as a pull would (default true). */
  readonly mirror?: boolean;
}

export interface RegistryClient {
  /**
   * HEAD of the manifest where the image would be pushed (mirrors do not apply). Every
   * registry answer is a ManifestCheck; it throws only for an invalid reference
   * (IMAGE_REF_INVALID), a failing credential helper (CREDENTIALS_FAILED) or an abort (CANCELLED).
   */
  checkManifest(ref: string, options?: RegistryRequestOptions): Promise<ManifestCheck>;
  /** The digest of the manifest or index a reference points at now. Throws REGISTRY_* with the registry's words. */
  resolveDigest(ref: string, options?: PullRequestOptions): Promise<string>;
  /** GET of the manifest or index. Throws REGISTRY_* with the registry's words. */
  getManifest(ref: string, options?: PullRequestOptions): Promise<RegistryManifest>;
}

export interface RegistryClientOptions {
  readonly access: RegistryAccess;
  /** Defaults to our node:http(s) fetch (http-fetch.ts); Node's global fetch fits too. */
  readonly fetch?: RegistryFetch;
  /** Per request, body included (default 30 s). */
  readonly timeoutMs?: number;
}

/** What we accept, newest first: OCI index and manifest, Docker manifest list and v2 manifest. */
export const MANIFEST_MEDIA_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
] as const;

const ACCEPT = MANIFEST_MEDIA_TYPES.join(', ');
/** Docker Hub's name and the host that serves its registry API. */
const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_API = 'registry-1.docker.io';
const DEFAULT_TIMEOUT_MS = 30_000;

interface Target {
  /** As credentials and the config name it: `docker.io`, `127.0.0.1:5000`. */
  readonly host: string;
  readonly image: string;
  readonly url: string;
  readonly scope: string;
  /** The digest the reference names, if any: what is served must hash to it. */
  readonly pinned?: string;
}

export function createRegistryClient(options: RegistryClientOptions): RegistryClient {
  const { access } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  const send = createSend({ access, timeoutMs, ...(options.fetch && { fetch: options.fetch }) });
  const auth = createAuthenticator({ access, send });

  /** One manifest request, answering a 401 challenge once. */
  async function request(target: Target, method: 'HEAD' | 'GET', signal?: AbortSignal): Promise<SentResponse> {
    const headers: Record<string, string> = { Accept: ACCEPT, 'User-Agent': 'imagespec' };
    const upfront = await auth.authorization(target.host, target.scope, signal);
    const sendOptions = { host: target.host, ...(signal && { signal }) };
    const first = await send(target.url, { method, headers: withAuth(headers, upfront) }, sendOptions);
    if (first.response.status !== 401) return first;
    await first.response.body?.cancel();
    const authorization = await auth.challenge(target.host, target.scope, first.response, signal, upfront);
    return send(target.url, { method, headers: withAuth(headers, authorization) }, sendOptions);
  }

  function target(ref: string, mirror: boolean): Target {
    const parsed = parseImageRef(mirror ? access.mirror(ref) : ref);
    const apiHost = parsed.registry === DOCKER_HUB ? DOCKER_HUB_API : parsed.registry;
    const scheme = access.insecure(parsed.registry) ? 'http' : 'https';
    const reference = parsed.digest ?? parsed.tag ?? 'latest';
    return {
      host: parsed.registry,
      image: formatImageRef(parsed),
      url: `${scheme}://${apiHost}/v2/${parsed.repository}/manifests/${reference}`,
      scope: `repository:${parsed.repository}:pull`,
      ...(parsed.digest && { pinned: parsed.digest }),
    };
  }

  /** GET of the manifest; 200 must carry a manifest, anything else throws with the registry's words. */
  async function get(t: Target, signal?: AbortSignal): Promise<RegistryManifest> {
    const sent = await request(t, 'GET', signal);
    const body = await sent.body();
    const { response } = sent;
    if (response.status !== 200) throw answerError(t, 'GET', response, body.toString('utf8'));
    const manifest = parseManifest(body);
    if (!manifest) {
      throw new ImagespecError(
        'REGISTRY_ERROR',
        `GET ${t.url} answered HTTP 200, but not with an image manifest: ${excerpt(body.toString('utf8')) || '(empty body)'}`,
        {
          hint: 'Check that the host and port are those of a container registry.',
          details: { host: t.host, httpStatus: 200 },
        },
      );
    }
    const mediaType =
      contentType(response) ?? (typeof manifest.mediaType === 'string' ? manifest.mediaType : MANIFEST_MEDIA_TYPES[1]);
    const sha256 = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    if (t.pinned?.startsWith('sha256:') && t.pinned !== sha256) {
      throw new ImagespecError(
        'REGISTRY_ERROR',
        `Registry ${t.host} served ${t.image} with content whose digest is ${sha256}.`,
        {
          hint: 'The registry or something between it and you altered the manifest; do not use this image.',
          details: { host: t.host, httpStatus: 200, digest: sha256 },
        },
      );
    }
    const digest = t.pinned ?? response.headers.get('docker-content-digest') ?? sha256;
    return { digest, mediaType, body: new Uint8Array(body), manifest };
  }

  return {
    async checkManifest(ref, options = {}) {
      const t = target(ref, false);
      try {
        const head = await request(t, 'HEAD', options.signal);
        await head.response.body?.cancel();
        const { response } = head;
        if (response.status === 200 && looksLikeManifest(response)) {
          const digest = response.headers.get('docker-content-digest') ?? undefined;
          const mediaType = contentType(response);
          return { status: 'exists', ...(digest && { digest }), ...(mediaType && { mediaType }) };
        }
        if (response.status === 404 && response.headers.has('docker-distribution-api-version'))
          return { status: 'absent' };
        // HEAD has no body to explain itself, and a 404 from something that is not a
        // registry means nothing: ask again with GET and read the answer.
        const manifest = await get(t, options.signal);
        return { status: 'exists', digest: manifest.digest, mediaType: manifest.mediaType };
      } catch (error) {
        if (isImagespecError(error) && error.details?.absent === true) return { status: 'absent' };
        if (isImagespecError(error) && error.code.startsWith('REGISTRY_')) {
          const httpStatus = error.details?.httpStatus;
          return {
            status: 'unknown',
            reason: error.message,
            ...(typeof httpStatus === 'number' && { httpStatus }),
            ...(error.hint && { hint: error.hint }),
          };
        }
        throw error;
      }
    },

    async resolveDigest(ref, options = {}) {
      const t = target(ref, options.mirror ?? true);
      const head = await request(t, 'HEAD', options.signal);
      await head.response.body?.cancel();
      const digest = head.response.headers.get('docker-content-digest');
      if (head.response.status === 200 && digest) return digest;
      return (await get(t, options.signal)).digest;
    },

    getManifest(ref, options = {}) {
      return get(target(ref, options.mirror ?? true), options.signal);
    },
  };
}

function answerError(t: Target, method: string, response: RegistryResponse, body: string): ImagespecError {
  const status = response.status;
  const words = describeRegistryAnswer(status, response.statusText, body);
  const details = { host: t.host, httpStatus: status, url: t.url };
  if (status === 404 && isNotFound(body)) {
    return new ImagespecError('REGISTRY_ERROR', `${t.image} is not in registry ${t.host}: ${words}`, {
      hint: 'Check the repository name and tag, or build and push the image first.',
      details: { ...details, absent: true },
    });
  }
  if (status === 401 || status === 403) {
    return new ImagespecError(
      'REGISTRY_AUTH',
      `Registry ${t.host} refused access to ${t.image} (${method} ${t.url}): ${words}`,
      {
        hint: `Check your credentials for ${t.host} (\`docker login ${t.host}\`) and that they may pull this repository.`,
        details,
      },
    );
  }
  return new ImagespecError('REGISTRY_ERROR', `${method} ${t.url} for ${t.image} answered ${words}`, {
    hint:
      status >= 500
        ? 'The registry failed; try again later or ask its operator.'
        : 'Check that the host and port are those of a container registry.',
    details,
  });
}

/** A 404 that a registry gave: its error body names the unknown manifest, repository or tag. */
function isNotFound(body: string): boolean {
  const errors = parseRegistryErrors(body);
  return errors?.some((e) => /(?:^|_)UNKNOWN$|NOT_FOUND/.test(e.code)) ?? false;
}

function looksLikeManifest(response: RegistryResponse): boolean {
  const type = contentType(response);
  return (
    response.headers.has('docker-content-digest') ||
    (type !== undefined && (MANIFEST_MEDIA_TYPES as readonly string[]).includes(type))
  );
}

function parseManifest(body: Buffer): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && 'schemaVersion' in parsed)
      return parsed as Record<string, unknown>;
  } catch {
    // not JSON: the caller reports what came instead
  }
  return undefined;
}

function contentType(response: RegistryResponse): string | undefined {
  const value = response.headers.get('content-type')?.split(';')[0]?.trim();
  return value || undefined;
}

function withAuth(headers: Record<string, string>, authorization: string | undefined): Record<string, string> {
  return authorization ? { ...headers, Authorization: authorization } : headers;
}
