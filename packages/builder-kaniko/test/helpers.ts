/** Test helpers: a BuildRequest and BuilderHost as core would hand them, and real gzipped tar contexts. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createGzip, gunzipSync } from 'node:zlib';
import type { BuilderEvent, BuilderHost, BuildRequest, ResolvedImageSpec } from '@imagespec/core';
import tar from 'tar-stream';

/** Real Kaniko recordings, copied from the shared fixtures (see fixtures/README.md). */
export const KANIKO_FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

export interface HostRecorder extends BuilderHost {
  readonly warnings: string[];
}

export function testHost(
  options: { env?: Record<string, string | undefined>; insecure?: string[] } = {},
): HostRecorder {
  const warnings: string[] = [];
  return {
    warnings,
    logger: {
      debug: (message) => {
        if (process.env.KANIKO_TEST_DEBUG) console.error(message);
      },
      info: () => {},
      warn: (message) => warnings.push(message),
    },
    registries: {
      credentials: async () => undefined,
      insecure: (host) => (options.insecure ?? []).includes(host),
      mirror: (reference) => reference,
    },
    cwd: process.cwd(),
    env: options.env ?? {},
    tempDir: async () => {
      const path = await mkdtemp(join(tmpdir(), 'kaniko-test-'));
      return { path, dispose: () => rm(path, { recursive: true, force: true }) };
    },
  };
}

/** A gzipped tar with these files at its root, streamed like core's createContextStream. */
export function contextStream(files: Record<string, string>, gzip = true): NodeJS.ReadableStream {
  const pack = tar.pack();
  for (const [name, content] of Object.entries(files)) pack.entry({ name, mtime: new Date(0) }, content);
  pack.finalize();
  return pack.pipe(gzip ? createGzip() : new PassThrough());
}

/** Files of a gzipped tar (for asserting what the stand-in received). */
export async function readContext(buffers: Buffer[]): Promise<Record<string, string>> {
  const extract = tar.extract();
  const files: Record<string, string> = {};
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        files[header.name] = Buffer.concat(chunks).toString('utf8');
        next();
      });
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  extract.end(gunzipSync(Buffer.concat(buffers)));
  await done;
  return files;
}

export interface RecordedRequest extends BuildRequest {
  readonly emitted: BuilderEvent[];
  readonly controller: AbortController;
}

export function buildRequest(
  overrides: Partial<Pick<BuildRequest, 'image' | 'push' | 'platforms' | 'baseImage'>> & {
    files?: Record<string, string>;
    gzip?: boolean;
    context?: () => NodeJS.ReadableStream;
    verify?: string[];
  } = {},
): RecordedRequest {
  const emitted: BuilderEvent[] = [];
  const controller = new AbortController();
  const files = overrides.files ?? {
    Dockerfile: 'FROM localhost:5000/busybox:1\nCOPY app.txt /app/\n',
    'app.txt': 'app content\n',
  };
  const dockerfile = files.Dockerfile ?? '';
  return {
    spec: {
      name: 'app',
      platforms: [],
      pipSecretMounts: [],
      verify: overrides.verify ?? [],
      origin: { dir: process.cwd() },
    } as unknown as ResolvedImageSpec,
    image: overrides.image ?? 'localhost:5000/fx/app:3kqabc',
    hash: '3kqabcdefghijklmnopqrstuvw',
    baseImage: overrides.baseImage ?? 'localhost:5000/busybox:1',
    push: overrides.push ?? true,
    platforms: overrides.platforms ?? [],
    secrets: [],
    dockerfile: () => dockerfile,
    context: (options) => {
      if (overrides.context) return overrides.context();
      if (options.dialect !== 'plain' || !options.gzip) throw new Error('kaniko must ask for a plain, gzipped context');
      // Like core: the builder's Dockerfile, when it passes one, replaces the rendered one at the root.
      const root = typeof options.dockerfile === 'string' ? { ...files, Dockerfile: options.dockerfile } : files;
      return contextStream(root, overrides.gzip ?? true);
    },
    events: { emit: (event) => emitted.push(event) },
    signal: controller.signal,
    emitted,
    controller,
  };
}

export async function writeKubeconfig(text: string): Promise<{ path: string; dispose(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'kaniko-kubeconfig-'));
  const path = join(dir, 'config');
  await writeFile(path, text);
  return { path, dispose: () => rm(dir, { recursive: true, force: true }) };
}
