import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildWheel, type WheelSpec, wheelFileName } from './wheel.js';

/** A PEP 503 simple index on 127.0.0.1 serving wheels made here. */
export interface PipIndex {
  /** The index URL for `pip install --index-url`, e.g. `http://127.0.0.1:41234/simple/`. */
  readonly url: string;
  /** Distribution name -> import name, for `python3 -c 'import <module>'` checks. */
  readonly packages: Readonly<Record<string, { readonly version: string; readonly module: string }>>;
}

/** The distributions the tests install. isp-beta depends on isp-alpha, so pip resolves through the index. */
export const TEST_WHEELS: readonly WheelSpec[] = [
  { name: 'isp-alpha', version: '1.0.0', files: { 'isp_alpha/__init__.py': "VALUE = 'alpha'\n" } },
  {
    name: 'isp-beta',
    version: '2.0.0',
    files: { 'isp_beta/__init__.py': "from isp_alpha import VALUE as _A\nVALUE = 'beta+' + _A\n" },
    requires: ['isp-alpha>=1'],
  },
  { name: 'isp-gamma', version: '0.1.0', files: { 'isp_gamma/__init__.py': "VALUE = 'gamma'\n" } },
];

/**
 * Starts the index on a free port of 127.0.0.1. Builds must use network mode host to
 * reach it from inside a RUN step (the engine runs without a bridge).
 */
export async function startPipIndex(
  wheels: readonly WheelSpec[] = TEST_WHEELS,
): Promise<PipIndex & { stop(): Promise<void> }> {
  const files = new Map<string, { project: string; data: Buffer; sha256: string }>();
  for (const wheel of wheels) {
    const data = buildWheel(wheel);
    files.set(wheelFileName(wheel), {
      project: normalize(wheel.name),
      data,
      sha256: createHash('sha256').update(data).digest('hex'),
    });
  }
  const projects = [...new Set([...files.values()].map((file) => file.project))].sort();
  const html = (body: string) => `<!DOCTYPE html>\n<html><body>\n${body}</body></html>\n`;

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://index').pathname;
    const send = (status: number, type: string, body: string | Buffer) => {
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (path === '/simple/' || path === '/simple') {
      return send(200, 'text/html', html(projects.map((p) => `<a href="/simple/${p}/">${p}</a><br>\n`).join('')));
    }
    const project = /^\/simple\/([^/]+)\/?$/.exec(path)?.[1];
    if (project !== undefined) {
      const links = [...files.entries()].filter(([, file]) => file.project === normalize(project));
      if (links.length === 0) return send(404, 'text/plain', `no project ${project}\n`);
      return send(
        200,
        'text/html',
        html(links.map(([name, file]) => `<a href="/files/${name}#sha256=${file.sha256}">${name}</a><br>\n`).join('')),
      );
    }
    const file = /^\/files\/([^/]+)$/.exec(path)?.[1];
    const wheel = file === undefined ? undefined : files.get(file);
    if (wheel) return send(200, 'application/octet-stream', wheel.data);
    send(404, 'text/plain', 'not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/simple/`,
    packages: Object.fromEntries(
      wheels.map((wheel) => [
        wheel.name,
        { version: wheel.version, module: Object.keys(wheel.files)[0]?.split('/')[0] ?? '' },
      ]),
    ),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** PEP 503 name normalization. */
function normalize(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}
