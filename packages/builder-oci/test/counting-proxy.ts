/**
 * Test stand-in: an HTTP proxy on 127.0.0.1 in front of a real docker-registry that
 * records every request (method, path), so a test can count blob uploads and mounts. It
 * forwards bytes unchanged, Host header included, so the registry's Location URLs point
 * back at the proxy.
 */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { onTestFinished } from 'vitest';

export interface CountingProxy {
  /** host:port of the proxy: use it as the spec's registry. */
  readonly host: string;
  readonly requests: { method: string; path: string }[];
  /** Upload starts that are not mounts (POST .../blobs/uploads/ without `mount=`). */
  uploads(): number;
  mounts(): number;
}

export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const [targetHost, targetPort] = target.split(':');
  const requests: { method: string; path: string }[] = [];
  const server = createServer((incoming, outgoing) => {
    requests.push({ method: incoming.method ?? '', path: incoming.url ?? '' });
    const forward = request(
      {
        host: targetHost,
        port: Number(targetPort),
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forward.on('error', () => outgoing.destroy());
    incoming.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  const isUploadStart = (r: { method: string; path: string }) =>
    r.method === 'POST' && /\/blobs\/uploads\/?(\?|$)/.test(r.path);
  return {
    host: `127.0.0.1:${port}`,
    requests,
    uploads: () => requests.filter((r) => isUploadStart(r) && !r.path.includes('mount=')).length,
    mounts: () => requests.filter((r) => isUploadStart(r) && r.path.includes('mount=')).length,
  };
}
