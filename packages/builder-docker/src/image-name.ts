/** Splits `host:5000/team/app:tag` into repository and tag (`latest` when absent). */
export function splitImageName(image: string): { repository: string; tag: string } {
  const at = image.indexOf('@');
  const name = at === -1 ? image : image.slice(0, at);
  const colon = name.lastIndexOf(':');
  if (colon > name.lastIndexOf('/')) return { repository: name.slice(0, colon), tag: name.slice(colon + 1) };
  return { repository: name, tag: 'latest' };
}

/**
 * The registry host of an image reference, as Docker decides it: the first path component
 * when it has a dot or a port or is `localhost`, else Docker's default registry `docker.io`.
 */
export function registryHost(image: string): string {
  const slash = image.indexOf('/');
  if (slash === -1) return 'docker.io';
  const first = image.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost' ? first : 'docker.io';
}

/**
 * Registry hosts of the images a Dockerfile's FROM lines pull, skipping earlier stage
 * names, `scratch` and references still holding a build argument.
 */
export function fromRegistryHosts(dockerfile: string): string[] {
  const stages = new Set<string>();
  const hosts = new Set<string>();
  for (const raw of dockerfile.split('\n')) {
    const words = raw.trim().split(/\s+/);
    if (words[0]?.toUpperCase() !== 'FROM') continue;
    const args = words.slice(1).filter((word) => !word.startsWith('--'));
    const image = args[0];
    if (args[1]?.toUpperCase() === 'AS' && args[2]) stages.add(args[2].toLowerCase());
    if (!image || image.includes('$') || image === 'scratch' || stages.has(image.toLowerCase())) continue;
    hosts.add(registryHost(image));
  }
  return [...hosts];
}
