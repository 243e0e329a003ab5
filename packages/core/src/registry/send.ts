import type { RegistryAccess } from '../contract/builder.js';
import { ImagespecError, isImagespecError } from '../errors.js';
import type { ResolvedRegistryAccess } from './access.js';
import type { Send } from './authenticator.js';
import { createHttpFetch, type RegistryFetch, type RegistryResponse } from './http-fetch.js';
import { describeFetchFailure } from './registry-answer.js';

/**
 * The one place the registry client touches the network: each request gets the timeout
 * (body included) and the caller's signal, the registry's private CA when the access
 * names one, and every failure below HTTP becomes REGISTRY_UNREACHABLE in Node's own
 * words (or CANCELLED when the caller aborted).
 */
export function createSend(options: { access: RegistryAccess; fetch?: RegistryFetch; timeoutMs: number }): Send {
  const { access, timeoutMs } = options;
  const caSource = (access as Partial<ResolvedRegistryAccess>).caCertificates;
  let plain: RegistryFetch | undefined;
  const plainFetch = () => (plain ??= createHttpFetch());
  const caFetches = new Map<string, Promise<RegistryFetch>>();
  /** The fetch for a registry: ours, trusting the registry's private CA when it has one. An injected fetch always wins. */
  const fetchFor = (host: string | undefined): Promise<RegistryFetch> => {
    if (options.fetch) return Promise.resolve(options.fetch);
    if (!caSource || !host) return Promise.resolve(plainFetch());
    let found = caFetches.get(host);
    if (!found) {
      found = caSource.call(access, host).then((pem) => (pem ? createHttpFetch({ ca: pem }) : plainFetch()));
      caFetches.set(host, found);
    }
    return found;
  };

  const send: Send = async (url, init, { signal, host }) => {
    if (signal?.aborted) throw cancelled(url, signal);
    const fetchHere = await fetchFor(host);
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const fail = (error: unknown): ImagespecError => {
      if (isImagespecError(error)) return error;
      if (signal?.aborted) return cancelled(url, signal);
      if (timeout.aborted) {
        return new ImagespecError('REGISTRY_UNREACHABLE', `No answer from ${url} within ${timeoutMs / 1000} s.`, {
          hint: 'Check that the registry is up and reachable from here.',
          cause: error,
          details: { url },
        });
      }
      const failure = describeFetchFailure(error);
      return new ImagespecError('REGISTRY_UNREACHABLE', `Cannot reach ${url}: ${failure.reason}`, {
        hint: failure.tls
          ? `If the registry speaks plain HTTP, mark it insecure in the imagespec config (registries: { '${host ?? new URL(url).host}': { insecure: true } }); if its certificate comes from a private CA, name the CA's PEM file there (registries: { '${host ?? new URL(url).host}': { ca: '/path/ca.pem' } }).`
          : 'Check that the registry is up and that the host and port are right.',
        cause: error,
        details: { url, ...(failure.code && { code: failure.code }) },
      });
    };
    let response: RegistryResponse;
    try {
      response = await fetchHere(url, { ...init, signal: combined, redirect: 'follow' });
    } catch (error) {
      throw fail(error);
    }
    return {
      response,
      async body() {
        try {
          return Buffer.from(await response.arrayBuffer());
        } catch (error) {
          throw fail(error);
        }
      },
    };
  };
  return send;
}

function cancelled(url: string, signal: AbortSignal): ImagespecError {
  return new ImagespecError('CANCELLED', `The request to ${url} was cancelled.`, {
    cause: signal.reason,
    details: { url },
  });
}
