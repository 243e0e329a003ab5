/**
 * Test-only STAND-IN for a misbehaving registry: an HTTP server on 127.0.0.1 that passes
 * every request to the real test registry, except blob uploads, where it injects a fault.
 * No real registry can be told to fail like this on demand; everything it does not fault
 * is the real registry's own answer (the Host header is kept, so the upload URLs the
 * registry hands out point back here).
 */
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export type StandInFault =
  /**
   * A 500 for blob uploads or manifest PUTs, the first `times` of them (all when undefined).
   * The engine retries a blob upload on its own (5 tries, waits of 5 to 20 s); a manifest PUT it does not.
   */
  | { readonly kind: 'server-error'; readonly on: 'upload' | 'manifest'; readonly times?: number }
  /** Blob uploads are accepted (the body is read) and never answered. */
  | { readonly kind: 'stall' };

export interface RegistryStandIn {
  /** host:port for image references. */
  readonly host: string;
  /** Blob upload requests seen (POST/PATCH/PUT under /blobs/uploads/), with their time. */
  readonly uploads: readonly { readonly method: string; readonly path: string; readonly at: number }[];
  /** Stalled uploads whose connection the client has not closed yet. */
  readonly openUploads: number;
  close(): Promise<void>;
}

const UPLOAD = /^\/v2\/.+\/blobs\/uploads\//;
const MANIFEST = /^\/v2\/.+\/manifests\/[^/]+$/;

export async function startRegistryStandIn(targetUrl: string, fault: StandInFault): Promise<RegistryStandIn> {
  const upstream = new URL(targetUrl);
  const uploads: { method: string; path: string; at: number }[] = [];
  const sockets = new Set<Socket>();
  let faulted = 0;
  let open = 0;
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    const upload = UPLOAD.test(path) && req.method !== 'GET' && req.method !== 'HEAD';
    if (upload) uploads.push({ method: req.method ?? '', path, at: Date.now() });
    const target =
      fault.kind === 'server-error' && fault.on === 'manifest' ? MANIFEST.test(path) && req.method === 'PUT' : upload;
    if (target) {
      if (fault.kind === 'stall') {
        open += 1;
        res.on('close', () => (open -= 1));
        req.resume();
        return;
      }
      if (fault.times === undefined || faulted < fault.times) {
        faulted += 1;
        req.resume();
        res.writeHead(500, { 'content-type': 'text/plain' }).end('registry stand-in: injected server error\n');
        return;
      }
    }
    forward(req, res, upstream);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    host: `127.0.0.1:${port}`,
    uploads,
    get openUploads() {
      return open;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function forward(req: IncomingMessage, res: ServerResponse, target: URL): void {
  const upstream = request(
    { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', () => res.destroy());
  req.pipe(upstream);
}
