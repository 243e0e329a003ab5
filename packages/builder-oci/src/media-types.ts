/** The two manifest families: an image keeps its base's (Docker schema 2 or OCI). */
export interface MediaTypes {
  readonly manifest: string;
  readonly index: string;
  readonly config: string;
  readonly layer: string;
}

export const OCI: MediaTypes = {
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  index: 'application/vnd.oci.image.index.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
};

export const DOCKER: MediaTypes = {
  manifest: 'application/vnd.docker.distribution.manifest.v2+json',
  index: 'application/vnd.docker.distribution.manifest.list.v2+json',
  config: 'application/vnd.docker.container.image.v1+json',
  layer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
};

export function isIndex(mediaType: string): boolean {
  return mediaType === OCI.index || mediaType === DOCKER.index;
}

/** The family of a manifest or index media type (anything not Docker's is OCI). */
export function familyOf(mediaType: string): MediaTypes {
  return mediaType === DOCKER.manifest || mediaType === DOCKER.index ? DOCKER : OCI;
}
