import { createHash, randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { createHttpFetch, type RegistryFetch, type RegistryResponse } from '../../src/registry/http-fetch.js';

/**
 * Pushes a tiny but well-formed image straight through the registry HTTP API (blob
 * uploads, then the manifest), so registry tests need no Docker engine. The layer is an
 * empty tar; `label` goes into the config, so different labels give different digests.
 */
export interface PushedImage {
  readonly reference: string;
  readonly digest: string;
  readonly mediaType: string;
  readonly body: string;
}

export interface PushOptions {
  /** `http://127.0.0.1:5000` */
  readonly url: string;
  readonly repository: string;
  readonly tag: string;
  /** Authorization header value (Basic or Bearer) for registries that need one. */
  readonly authorization?: string;
  readonly label?: string;
  /** For registries behind a private CA. */
  readonly fetch?: RegistryFetch;
}

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

export async function pushTestImage(options: PushOptions): Promise<PushedImage> {
  const tar = Buffer.alloc(1024);
  const layer = gzipSync(tar);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Labels: { 'dev.imagespec.test': options.label ?? randomUUID() } },
      rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
    }),
  );
  await uploadBlob(options, layer);
  await uploadBlob(options, config);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(layer), size: layer.length }],
  });
  return putManifest(options, manifest, OCI_MANIFEST);
}

/** Pushes an OCI index over an already pushed manifest (what a multi-platform build leaves). */
export async function pushTestIndex(options: PushOptions, child: PushedImage): Promise<PushedImage> {
  const index = JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [
      {
        mediaType: child.mediaType,
        digest: child.digest,
        size: Buffer.byteLength(child.body),
        platform: { architecture: 'amd64', os: 'linux' },
      },
    ],
  });
  return putManifest(options, index, OCI_INDEX);
}

async function putManifest(options: PushOptions, body: string, mediaType: string): Promise<PushedImage> {
  const response = await (options.fetch ?? createHttpFetch())(
    `${options.url}/v2/${options.repository}/manifests/${options.tag}`,
    {
      method: 'PUT',
      headers: { ...auth(options), 'Content-Type': mediaType },
      body,
    },
  );
  await expectStatus(response, 201, 'manifest upload');
  const digest = sha256(Buffer.from(body));
  return { reference: `${new URL(options.url).host}/${options.repository}:${options.tag}`, digest, mediaType, body };
}

async function uploadBlob(options: PushOptions, blob: Buffer): Promise<void> {
  const start = await (options.fetch ?? createHttpFetch())(`${options.url}/v2/${options.repository}/blobs/uploads/`, {
    method: 'POST',
    headers: auth(options),
  });
  await expectStatus(start, 202, 'blob upload start');
  const location = new URL(start.headers.get('location') ?? '', options.url);
  location.searchParams.set('digest', sha256(blob));
  const put = await (options.fetch ?? createHttpFetch())(location.toString(), {
    method: 'PUT',
    headers: { ...auth(options), 'Content-Type': 'application/octet-stream' },
    body: blob,
  });
  await expectStatus(put, 201, 'blob upload');
}

async function expectStatus(response: RegistryResponse, status: number, what: string): Promise<void> {
  const text = Buffer.from(await response.arrayBuffer()).toString('utf8');
  if (response.status !== status) throw new Error(`${what} answered ${response.status}: ${text}`);
}

function auth(options: PushOptions): Record<string, string> {
  return options.authorization ? { Authorization: options.authorization } : {};
}

export function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export function basicAuth(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}
