/**
 * The two facts this builder needs from an image reference: which registry host it lives
 * on (for credentials and registry.insecure) and its repository without tag or digest
 * (for the default cache ref). Follows Docker's rule: the first path component is a host
 * only when it has a dot or a port, or is `localhost`.
 */

export function registryHost(reference: string): string {
  const slash = reference.indexOf('/');
  if (slash < 0) return 'docker.io';
  const first = reference.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost' ? first : 'docker.io';
}

/** `host/repo:tag@sha256:...` -> `host/repo` (a port's colon is kept). */
export function repositoryOf(reference: string): string {
  const withoutDigest = reference.split('@')[0] ?? reference;
  const lastColon = withoutDigest.lastIndexOf(':');
  return lastColon > withoutDigest.lastIndexOf('/') ? withoutDigest.slice(0, lastColon) : withoutDigest;
}
