/** The label every image carries with its content hash (the Dockerfile's LABEL, builder-oci's config). */
export const HASH_LABEL = 'dev.imagespec.hash';
