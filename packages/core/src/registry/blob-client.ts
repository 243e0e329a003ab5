import { createHash } from 'node:crypto';
import type { RegistryAccess } from '../contract/builder.js';
import type { RegistryBlobClient } from '../contract/registry-api.js';
import { ImagespecError } from '../errors.js';
import { parseImageRef } from '../image-ref/image-ref.js';
import { createAuthenticator, type SentResponse } from './authenticator.js';
import { createRegistryClient } from './client.js';
import type { RegistryFetch, RegistryRequestInit } from './http-fetch.js';
import { describeRegistryAnswer } from './registry-answer.js';
import { createSend } from './send.js';

export interface RegistryBlobClientOptions {
  readonly access: RegistryAccess;
  readonly fetch?: RegistryFetch;
  /** Manifest requests, body included (default 30 s). */
  readonly timeoutMs?: number;
  /** Blob uploads and downloads, body included (default 30 min: a layer may be large). */
  readonly transferTimeoutMs?: number;
}

const DEFAULT_TRANSFER_TIMEOUT_MS = 30 * 60_000;
const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_API = 'registry-1.docker.io';

/** One repository of one registry, as its API addresses it. */
interface Repo {
  readonly host: string;
  readonly path: string;
  readonly name: string;
  /** `<scheme>://<api host>/v2/<path>` */
  readonly base: string;
}

type Body = RegistryRequestInit['body'];

/**
 * The registry writes a daemonless builder needs (distribution API: blob HEAD, mount,
 * POST + streamed PUT upload, blob GET, manifest PUT), with the auth, insecure/loopback and
 * private-CA handling of core's client (one `send`, one authenticator). A push asks for
 * `pull,push` on the target repository; a mount also for `pull` on the source.
 */
export function createRegistryBlobClient(options: RegistryBlobClientOptions): RegistryBlobClient {
  const { access } = options;
  const manifests = createRegistryClient({
    access,
    ...(options.fetch && { fetch: options.fetch }),
    ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
  });
  const send = createSend({
    access,
    timeoutMs: options.transferTimeoutMs ?? DEFAULT_TRANSFER_TIMEOUT_MS,
    ...(options.fetch && { fetch: options.fetch }),
  });
  const auth = createAuthenticator({ access, send });

  function repo(name: string): Repo {
    const ref = parseImageRef(name);
    const apiHost = ref.registry === DOCKER_HUB ? DOCKER_HUB_API : ref.registry;
    const scheme = access.insecure(ref.registry) ? 'http' : 'https';
    return {
      host: ref.registry,
      path: ref.repository,
      name: `${ref.registry}/${ref.repository}`,
      base: `${scheme}://${apiHost}/v2/${ref.repository}`,
    };
  }

  /** One request, answering a 401 challenge once; a body is made afresh for the second try. */
  async function call(
    r: Repo,
    scope: string,
    url: string,
    init: { method: string; headers?: Record<string, string>; body?: () => Body },
    signal: AbortSignal | undefined,
  ): Promise<SentResponse> {
    const headers = { 'User-Agent': 'imagespec', ...init.headers };
    const sendOptions = { host: r.host, ...(signal && { signal }) };
    const attempt = (authorization: string | undefined) => {
      const body = init.body?.();
      return send(
        url,
        {
          method: init.method,
          headers: authorization ? { ...headers, Authorization: authorization } : headers,
          ...(body !== undefined && { body }),
        },
        sendOptions,
      );
    };
    const upfront = await auth.authorization(r.host, scope, signal);
    const first = await attempt(upfront);
    if (first.response.status !== 401) return first;
    await first.response.body?.cancel();
    return attempt(await auth.challenge(r.host, scope, first.response, signal, upfront));
  }

  const pushScope = (r: Repo) => `repository:${r.path}:pull,push`;
  const pullScope = (r: Repo) => `repository:${r.path}:pull`;

  /** Starts an upload; the URL to PUT the blob to (the registry's Location, absolute). */
  async function startUpload(r: Repo, signal: AbortSignal | undefined): Promise<string> {
    const url = `${r.base}/blobs/uploads/`;
    const sent = await call(r, pushScope(r), url, { method: 'POST', body: () => '' }, signal);
    const location = sent.response.headers.get('location');
    if (sent.response.status !== 202 || !location) throw await failure(r, 'POST', url, sent, 'start an upload to');
    await sent.response.body?.cancel();
    return new URL(location, url).toString();
  }

  return {
    async getManifest(ref, callOptions = {}) {
      const found = await manifests.getManifest(ref, { mirror: false, ...callOptions });
      return { digest: found.digest, mediaType: found.mediaType, body: found.body };
    },

    async hasBlob(name, digest, callOptions = {}) {
      const r = repo(name);
      const url = `${r.base}/blobs/${digest}`;
      const sent = await call(r, pushScope(r), url, { method: 'HEAD' }, callOptions.signal);
      await sent.response.body?.cancel();
      if (sent.response.status === 200) return true;
      if (sent.response.status === 404) return false;
      throw await failure(r, 'HEAD', url, sent, 'check a blob of');
    },

    async mountBlob(name, digest, from, callOptions = {}) {
      const r = repo(name);
      const source = repo(from);
      if (source.host !== r.host) return false;
      const url = `${r.base}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(source.path)}`;
      const scope = `${pushScope(r)} ${pullScope(source)}`;
      const sent = await call(r, scope, url, { method: 'POST', body: () => '' }, callOptions.signal);
      await sent.response.body?.cancel();
      if (sent.response.status === 201) return true;
      const location = sent.response.headers.get('location');
      if (sent.response.status === 202 && location) {
        // The registry started a plain upload instead; the caller uploads through a new one.
        await call(r, pushScope(r), new URL(location, url).toString(), { method: 'DELETE' }, callOptions.signal)
          .then((cancelled) => cancelled.response.body?.cancel())
          .catch(() => undefined);
        return false;
      }
      throw await failure(r, 'POST', url, sent, 'mount a blob into');
    },

    async pushBlob(name, blob, callOptions = {}) {
      const r = repo(name);
      const location = await startUpload(r, callOptions.signal);
      const url = `${location}${location.includes('?') ? '&' : '?'}digest=${encodeURIComponent(blob.digest)}`;
      const sent = await call(
        r,
        pushScope(r),
        url,
        {
          method: 'PUT',
          headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(blob.size) },
          body: () => blob.open(),
        },
        callOptions.signal,
      );
      if (sent.response.status !== 201) throw await failure(r, 'PUT', url, sent, `upload blob ${blob.digest} to`);
      await sent.response.body?.cancel();
    },

    async *readBlob(name, digest, callOptions = {}) {
      const r = repo(name);
      const url = `${r.base}/blobs/${digest}`;
      const sent = await call(r, pullScope(r), url, { method: 'GET' }, callOptions.signal);
      if (sent.response.status !== 200) throw await failure(r, 'GET', url, sent, 'read a blob of');
      const hash = createHash('sha256');
      const chunks = sent.response.stream?.() ?? [new Uint8Array(await sent.response.arrayBuffer())];
      for await (const chunk of chunks) {
        hash.update(chunk);
        yield chunk;
      }
      const actual = `sha256:${hash.digest('hex')}`;
      if (digest.startsWith('sha256:') && actual !== digest) {
        throw new ImagespecError(
          'REGISTRY_ERROR',
          `Registry ${r.host} served blob ${digest} of ${r.name} with content whose digest is ${actual}.`,
          {
            hint: 'The registry or something between it and you altered the blob; do not use this image.',
            details: { host: r.host, digest: actual },
          },
        );
      }
    },

    async putManifest(ref, manifest, callOptions = {}) {
      const parsed = parseImageRef(ref);
      const r = repo(ref);
      const url = `${r.base}/manifests/${parsed.digest ?? parsed.tag ?? 'latest'}`;
      const sent = await call(
        r,
        pushScope(r),
        url,
        { method: 'PUT', headers: { 'Content-Type': manifest.mediaType }, body: () => manifest.body },
        callOptions.signal,
      );
      if (sent.response.status !== 201) throw await failure(r, 'PUT', url, sent, 'put a manifest into');
      await sent.response.body?.cancel();
      return `sha256:${createHash('sha256').update(manifest.body).digest('hex')}`;
    },
  };
}

/** The registry's refusal in its own words: REGISTRY_AUTH for 401/403, REGISTRY_ERROR otherwise. */
async function failure(
  r: Repo,
  method: string,
  url: string,
  sent: SentResponse,
  what: string,
): Promise<ImagespecError> {
  const { status, statusText } = sent.response;
  const text = method === 'HEAD' ? '' : (await sent.body().catch(() => Buffer.alloc(0))).toString('utf8');
  const words = describeRegistryAnswer(status, statusText, text);
  const details = { host: r.host, httpStatus: status, url };
  if (status === 401 || status === 403) {
    return new ImagespecError(
      'REGISTRY_AUTH',
      `Registry ${r.host} refused to let imagespec ${what} ${r.name} (${method}): ${words}`,
      {
        hint: `Check your credentials for ${r.host} (\`docker login ${r.host}\`) and that they may push to ${r.path}.`,
        details,
      },
    );
  }
  return new ImagespecError('REGISTRY_ERROR', `Could not ${what} ${r.name}: ${method} ${url} answered ${words}`, {
    hint:
      status >= 500
        ? 'The registry failed; try again later or ask its operator.'
        : 'Check that the host and port are those of a container registry that accepts pushes.',
    details,
  });
}
