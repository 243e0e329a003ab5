/**
 * What a builder that writes images itself (builder-oci) may do in a registry, through
 * `BuilderHost.registry`: core's client, with the auth, insecure and private-CA handling
 * the rest of a run uses. A repository is named as an image without tag or digest
 * (`127.0.0.1:5000/team/app`, `docker.io/library/python`); mirrors never apply here (a
 * request's `baseImage` already went through them).
 */
import type { Readable } from 'node:stream';

export interface RegistryCallOptions {
  readonly signal?: AbortSignal;
}

/** A manifest or index as the registry serves it. */
export interface RegistryObject {
  readonly digest: string;
  readonly mediaType: string;
  /** The exact bytes (the digest is their sha256). */
  readonly body: Uint8Array;
}

/** A blob to upload: its digest and size are known before the upload starts. */
export interface BlobSource {
  readonly digest: string;
  readonly size: number;
  /** A fresh stream of the bytes on each call (an upload retried after a 401 opens it again). */
  open(): Readable;
}

export interface RegistryBlobClient {
  /** GET of a manifest or index by tag or digest (`repo:tag`, `repo@sha256:...`); a pinned digest is checked. */
  getManifest(ref: string, options?: RegistryCallOptions): Promise<RegistryObject>;
  /** HEAD of a blob: true when the repository has it. */
  hasBlob(repository: string, digest: string, options?: RegistryCallOptions): Promise<boolean>;
  /**
   * Cross-repository mount (same registry): true when the registry mounted the blob, false
   * when it declined (the caller then uploads it).
   */
  mountBlob(repository: string, digest: string, from: string, options?: RegistryCallOptions): Promise<boolean>;
  /** Uploads a blob (POST, then one streamed PUT); the registry checks the digest. */
  pushBlob(repository: string, blob: BlobSource, options?: RegistryCallOptions): Promise<void>;
  /** The bytes of a blob as they arrive, checked against the digest at the end (REGISTRY_ERROR otherwise). */
  readBlob(repository: string, digest: string, options?: RegistryCallOptions): AsyncIterable<Uint8Array>;
  /** PUT of a manifest or index under a tag or its digest (`repo:tag`, `repo@sha256:...`); returns its digest. */
  putManifest(
    ref: string,
    manifest: { readonly mediaType: string; readonly body: Uint8Array },
    options?: RegistryCallOptions,
  ): Promise<string>;
}
