import type { IncomingMessage } from 'node:http';
import type { Agent } from 'node:https';
import type { Readable } from 'node:stream';

/** The part of a fetch Response the registry client reads; Node's Response has it too (tests inject fetch). */
export interface RegistryResponse {
  readonly status: number;
  readonly ok: boolean;
  readonly statusText: string;
  readonly headers: { get(name: string): string | null; has(name: string): boolean };
  /** Null for HEAD, 204 and 304. */
  readonly body: { cancel(): Promise<void> } | null;
  arrayBuffer(): Promise<ArrayBuffer>;
  /** The body as it arrives, for blobs too large to hold (our fetch has it; an injected fetch may not). */
  stream?(): AsyncIterable<Uint8Array>;
}

/** What the registry client sends: a method, string headers, a string, byte or streamed body. */
export interface RegistryRequestInit {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** A stream is sent as it comes (blob uploads) and is never replayed: a redirect is not followed. */
  readonly body?: string | Uint8Array | Readable;
  readonly signal?: AbortSignal;
  readonly redirect?: 'follow' | 'manual';
}

export type RegistryFetch = (url: string, init?: RegistryRequestInit) => Promise<RegistryResponse>;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

/**
 * The registry client's HTTP, on node:http and node:https rather than Node's fetch: the
 * first use of the global fetch (or Response, or Headers) loads undici, a large share of
 * an `imagespec build`'s start, for a few HEAD requests on loopback. It also takes a private CA,
 * which Node 20's fetch accepts only through an undici Agent it does not export. It covers
 * what the client sends: GET/HEAD/POST, string or byte bodies, redirects as fetch follows
 * them, signals; failures below HTTP reject as fetch's do (TypeError "fetch failed" with
 * the cause), so callers read both the same way.
 */
export function createHttpFetch(options: { readonly ca?: string } = {}): RegistryFetch {
  let agent: Agent | undefined;
  const httpsAgent = () =>
    (agent ??= new (process.getBuiltinModule('node:https').Agent)({
      ...(options.ca && { ca: [...process.getBuiltinModule('node:tls').rootCertificates, options.ca] }),
      keepAlive: true,
    }));
  return async (input, init = {}) => {
    let url = new URL(input);
    let method = (init.method ?? 'GET').toUpperCase();
    let body = init.body;
    const headers: Record<string, string> = { ...init.headers };
    for (let hop = 0; ; hop++) {
      const answer = await send(
        url,
        method,
        headers,
        body,
        url.protocol === 'https:' ? httpsAgent() : undefined,
        init.signal,
      );
      const location = answer.headers.location;
      const replayable = !isStream(body);
      if (
        init.redirect !== 'manual' &&
        replayable &&
        REDIRECTS.has(answer.statusCode ?? 0) &&
        location &&
        hop < MAX_REDIRECTS
      ) {
        answer.resume();
        const next = new URL(location, url);
        // As fetch does: credentials never follow a redirect to another origin, and 303 turns into a GET.
        if (next.origin !== url.origin) {
          for (const name of Object.keys(headers)) if (name.toLowerCase() === 'authorization') delete headers[name];
        }
        if (answer.statusCode === 303 && method !== 'HEAD') {
          method = 'GET';
          body = undefined;
        }
        url = next;
        continue;
      }
      return toResponse(answer, method);
    }
  };
}

function send(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body: RegistryRequestInit['body'],
  agent: Agent | undefined,
  signal: AbortSignal | undefined,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const options = { method, headers, ...(signal && { signal }) };
    const req =
      url.protocol === 'https:'
        ? process.getBuiltinModule('node:https').request(url, { ...options, agent })
        : process.getBuiltinModule('node:http').request(url, options);
    req.on('response', resolve);
    req.on('error', (error) =>
      reject(error.name === 'AbortError' ? error : new TypeError('fetch failed', { cause: error })),
    );
    if (isStream(body)) {
      body.once('error', (error) => req.destroy(error));
      body.pipe(req);
    } else {
      req.end(body);
    }
  });
}

function isStream(body: RegistryRequestInit['body']): body is Readable {
  return typeof body === 'object' && body !== null && typeof (body as Readable).pipe === 'function';
}

function toResponse(answer: IncomingMessage, method: string): RegistryResponse {
  const status = answer.statusCode ?? 0;
  const empty = method === 'HEAD' || status === 204 || status === 304;
  if (empty) answer.resume();
  const header = (name: string): string | null => {
    const value = answer.headers[name.toLowerCase()];
    return value === undefined ? null : Array.isArray(value) ? value.join(', ') : String(value);
  };
  async function* stream(): AsyncGenerator<Buffer> {
    if (empty) return;
    try {
      for await (const chunk of answer) yield chunk as Buffer;
    } catch (error) {
      throw (error as Error).name === 'AbortError' ? error : new TypeError('fetch failed', { cause: error });
    }
  }
  return {
    status,
    ok: status >= 200 && status < 300,
    statusText: answer.statusMessage ?? '',
    headers: { get: header, has: (name) => header(name) !== null },
    body: empty
      ? null
      : {
          async cancel() {
            answer.destroy();
          },
        },
    async arrayBuffer() {
      const chunks: Buffer[] = [];
      for await (const chunk of stream()) chunks.push(chunk);
      const all = Buffer.concat(chunks);
      return all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
    },
    stream,
  };
}
