import type { IncomingMessage } from 'node:http';
import type { Agent } from 'node:https';
import { Readable } from 'node:stream';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

/**
 * A fetch that also trusts a private CA. Node's fetch takes a CA only through an undici
 * Agent, and Node 20 bundles undici without exporting it; rather than add undici as a
 * dependency, this speaks HTTPS through node:https and answers with a standard Response.
 * It covers what the registry client sends: GET/HEAD/POST, string or byte bodies, redirects, signals.
 * node:https and node:tls load at the first request: every CLI start builds this for a
 * config with a CA, and most runs send nothing.
 */
export function createCaFetch(caPem: string): typeof fetch {
  let agent: Agent | undefined;
  return async (input, init = {}) => {
    agent ??= new (process.getBuiltinModule('node:https').Agent)({
      ca: [...process.getBuiltinModule('node:tls').rootCertificates, caPem],
      keepAlive: true,
    });
    let url = new URL(input instanceof Request ? input.url : String(input));
    let method = (init.method ?? 'GET').toUpperCase();
    let body = init.body;
    if (body !== undefined && body !== null && typeof body !== 'string' && !(body instanceof Uint8Array)) {
      throw new TypeError('createCaFetch sends string and byte bodies only');
    }
    const headers = new Headers(init.headers);
    for (let hop = 0; ; hop++) {
      const answer = await send(url, method, headers, body ?? undefined, agent, init.signal ?? undefined);
      const location = answer.headers.location;
      if (init.redirect !== 'manual' && REDIRECTS.has(answer.statusCode ?? 0) && location && hop < MAX_REDIRECTS) {
        answer.resume();
        const next = new URL(location, url);
        // As fetch does: credentials never follow a redirect to another origin, and 303 turns into a GET.
        if (next.origin !== url.origin) headers.delete('authorization');
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
  headers: Headers,
  body: string | Uint8Array | undefined,
  agent: Agent,
  signal: AbortSignal | undefined,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const options = { method, headers: Object.fromEntries(headers), ...(signal && { signal }) };
    const req =
      url.protocol === 'https:'
        ? process.getBuiltinModule('node:https').request(url, { ...options, agent })
        : process.getBuiltinModule('node:http').request(url, options);
    req.on('response', resolve);
    // The shape fetch rejects with, so callers read both the same way.
    req.on('error', (error) =>
      reject(error.name === 'AbortError' ? error : new TypeError('fetch failed', { cause: error })),
    );
    req.end(body);
  });
}

function toResponse(answer: IncomingMessage, method: string): Response {
  const status = answer.statusCode ?? 0;
  const headers = new Headers();
  for (const [name, value] of Object.entries(answer.headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  const empty = method === 'HEAD' || status === 204 || status === 304;
  if (empty) answer.resume();
  const body = empty ? null : (Readable.toWeb(answer) as ReadableStream<Uint8Array>);
  return new Response(body, { status, statusText: answer.statusMessage ?? '', headers });
}
