import type { IncomingMessage, RequestOptions } from 'node:http';
import type { Readable } from 'node:stream';

/** Where the local Docker engine listens: a unix socket, or plain HTTP on host:port. */
export type EngineAddress = { readonly socketPath: string } | { readonly host: string; readonly port: number };

const API = '/v1.41';

/**
 * The few Docker engine API calls builder-oci makes (ping, pull, run a container, load),
 * on node:http: no SDK to load for a builder whose point is not needing the daemon.
 */
export class EngineClient {
  readonly address: EngineAddress;

  constructor(address: EngineAddress) {
    this.address = address;
  }

  describe(): string {
    return 'socketPath' in this.address
      ? `unix://${this.address.socketPath}`
      : `http://${this.address.host}:${this.address.port}`;
  }

  async ping(signal: AbortSignal): Promise<void> {
    const answer = await this.request('GET', '/_ping', { signal });
    await expectOk(answer, 'GET /_ping');
  }

  /** Pulls an image by reference; the pull's own error message when it fails. */
  async pull(reference: string, auth: string | undefined, signal: AbortSignal): Promise<void> {
    const at = reference.lastIndexOf('@');
    const [fromImage, tag] = at > 0 ? [reference.slice(0, at), reference.slice(at + 1)] : [reference, undefined];
    const query = new URLSearchParams({ fromImage, ...(tag && { tag }) });
    const answer = await this.request('POST', `/images/create?${query}`, {
      signal,
      headers: auth ? { 'X-Registry-Auth': auth } : {},
    });
    await followProgress(answer, `pull ${reference}`);
  }

  /** `docker load` of a docker-archive tar stream. */
  async load(tar: Readable, signal: AbortSignal): Promise<void> {
    const answer = await this.request('POST', '/images/load?quiet=1', {
      signal,
      headers: { 'Content-Type': 'application/x-tar' },
      body: tar,
    });
    await followProgress(answer, 'load');
  }

  async json(method: string, path: string, body: unknown, signal: AbortSignal): Promise<Record<string, unknown>> {
    const answer = await this.request(method, path, {
      signal,
      ...(body !== undefined && { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
    });
    const text = await readAll(answer);
    if ((answer.statusCode ?? 0) >= 300) throw engineError(`${method} ${path}`, answer.statusCode, text);
    return text.length > 0 ? (JSON.parse(text.toString('utf8')) as Record<string, unknown>) : {};
  }

  /** The container's stdout and stderr lines, demultiplexed (a container without a TTY). */
  async logs(id: string, signal: AbortSignal): Promise<string[]> {
    const answer = await this.request('GET', `/containers/${id}/logs?stdout=1&stderr=1`, { signal });
    const raw = await readAll(answer);
    if ((answer.statusCode ?? 0) >= 300) throw engineError('logs', answer.statusCode, raw);
    const parts: Buffer[] = [];
    for (let at = 0; at + 8 <= raw.length; ) {
      const size = raw.readUInt32BE(at + 4);
      parts.push(raw.subarray(at + 8, at + 8 + size));
      at += 8 + size;
    }
    return Buffer.concat(parts)
      .toString('utf8')
      .split('\n')
      .filter((line) => line.length > 0);
  }

  request(
    method: string,
    path: string,
    options: { signal: AbortSignal; headers?: Record<string, string>; body?: string | Readable },
  ): Promise<IncomingMessage> {
    const http = process.getBuiltinModule('node:http');
    return new Promise((resolve, reject) => {
      const requestOptions: RequestOptions & { servername: string } = {
        ...this.address,
        method,
        path: `${API}${path}`,
        headers: { Connection: 'close', ...options.headers },
        signal: options.signal,
        // Plain HTTP needs no TLS server name; left unset, http's agent derives one with net.isIP,
        // whose first call on a name ("localhost" for a socket) compiles the IPv6 pattern (~8 ms).
        servername: '',
      };
      const req = http.request(requestOptions);
      req.on('response', resolve);
      req.on('error', reject);
      const { body } = options;
      if (body === undefined || typeof body === 'string') req.end(body);
      else {
        body.once('error', (error) => req.destroy(error));
        body.pipe(req);
      }
    });
  }
}

export async function readAll(answer: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of answer) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function expectOk(answer: IncomingMessage, what: string): Promise<void> {
  const text = await readAll(answer);
  if ((answer.statusCode ?? 0) >= 300) throw engineError(what, answer.statusCode, text);
}

/** A JSON-lines progress stream (pull, load): ends with an `error` line when it failed. */
async function followProgress(answer: IncomingMessage, what: string): Promise<void> {
  const text = (await readAll(answer)).toString('utf8');
  if ((answer.statusCode ?? 0) >= 300) throw engineError(what, answer.statusCode, Buffer.from(text));
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let parsed: { error?: string; errorDetail?: { message?: string } };
    try {
      parsed = JSON.parse(line);
    } catch {
      continue;
    }
    if (parsed.error) throw new Error(`${what}: ${parsed.errorDetail?.message ?? parsed.error}`);
  }
}

function engineError(what: string, status: number | undefined, body: Buffer): Error {
  let message = body.toString('utf8').trim();
  try {
    message = (JSON.parse(message) as { message?: string }).message ?? message;
  } catch {
    // not JSON: the text as is
  }
  return new Error(`${what}: HTTP ${status}: ${message}`);
}
