/**
 * Just enough image-reference parsing for pod flags: the registry host, the repository and
 * whether the host is Amazon ECR. Docker's rule: the first path component is a host when
 * it has a dot or a port, or is `localhost`; otherwise the image lives on Docker Hub.
 */

export interface ImageLocation {
  readonly host: string;
  /** Repository path without host, tag or digest (`team/app`). */
  readonly repository: string;
}

export function parseImageLocation(reference: string): ImageLocation {
  const withoutDigest = reference.split('@')[0] ?? reference;
  const slash = withoutDigest.indexOf('/');
  const first = slash === -1 ? '' : withoutDigest.slice(0, slash);
  const isHost = first !== '' && (first.includes('.') || first.includes(':') || first === 'localhost');
  const host = isHost ? first : 'docker.io';
  let path = isHost ? withoutDigest.slice(slash + 1) : withoutDigest;
  const colon = path.lastIndexOf(':');
  if (colon > path.lastIndexOf('/')) path = path.slice(0, colon);
  if (!isHost && !path.includes('/')) path = `library/${path}`;
  return { host, repository: path };
}

export interface EcrRegistry {
  readonly account: string;
  readonly region: string;
}

const ECR_HOST = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;

/** `<account>.dkr.ecr.<region>.amazonaws.com` -> account and region; undefined for other hosts. */
export function parseEcrHost(host: string): EcrRegistry | undefined {
  const match = ECR_HOST.exec(host);
  return match ? { account: match[1]!, region: match[2]! } : undefined;
}
