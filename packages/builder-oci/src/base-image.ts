import { ImagespecError, parseImageRef, type RegistryBlobClient } from '@imagespec/core/builder';
import { familyOf, isIndex, type MediaTypes } from './media-types.js';

type Json = Record<string, unknown>;

export interface Platform {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
}

export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly [key: string]: unknown;
}

/** The base image for one platform: its manifest and config, read from the registry. */
export interface BaseForPlatform {
  readonly platform: Platform;
  readonly manifest: { readonly config: Descriptor; readonly layers: readonly Descriptor[] } & Json;
  readonly config: Json;
}

export interface BaseImage {
  /** `host/repository`, where the base's blobs are read or mounted from. */
  readonly repository: string;
  readonly family: MediaTypes;
  readonly platforms: readonly BaseForPlatform[];
}

const ARCHITECTURES: Readonly<Record<string, string>> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'arm',
  ia32: '386',
  ppc64: 'ppc64le',
  s390x: 's390x',
};

export function parsePlatform(text: string): Platform {
  const [os = '', architecture = '', variant] = text.split('/');
  return { os, architecture, ...(variant && { variant }) };
}

export function formatPlatform(platform: Platform): string {
  return [platform.os, platform.architecture, ...(platform.variant ? [platform.variant] : [])].join('/');
}

/** The platform of this machine, as images name it: the default when the spec names none. */
export function hostPlatform(): Platform {
  return { os: 'linux', architecture: ARCHITECTURES[process.arch] ?? process.arch };
}

function matches(have: Platform, want: Platform): boolean {
  return (
    have.os === want.os && have.architecture === want.architecture && (!want.variant || have.variant === want.variant)
  );
}

/**
 * Reads the base's manifest or index, and for each wanted platform (none: the host's, or
 * the only one a single manifest has) that platform's manifest and config.
 */
export async function readBaseImage(
  registry: RegistryBlobClient,
  reference: string,
  wanted: readonly string[],
  signal: AbortSignal,
): Promise<BaseImage> {
  const ref = parseImageRef(reference);
  const repository = `${ref.registry}/${ref.repository}`;
  const top = await registry.getManifest(reference, { signal });
  const family = familyOf(top.mediaType);
  const parse = (body: Uint8Array) => JSON.parse(Buffer.from(body).toString('utf8')) as Json;
  const readConfig = async (manifest: BaseForPlatform['manifest']) => {
    const chunks: Uint8Array[] = [];
    for await (const chunk of registry.readBlob(repository, manifest.config.digest, { signal })) chunks.push(chunk);
    return parse(Buffer.concat(chunks));
  };
  const platforms = wanted.map(parsePlatform);
  if (!isIndex(top.mediaType)) {
    const manifest = parse(top.body) as BaseForPlatform['manifest'];
    const config = await readConfig(manifest);
    const have: Platform = {
      os: String(config.os ?? 'linux'),
      architecture: String(config.architecture ?? 'amd64'),
      ...(typeof config.variant === 'string' && { variant: config.variant }),
    };
    const missing = platforms.filter((platform) => !matches(have, platform));
    if (missing.length > 0) throw platformMissing(reference, missing, [have]);
    return { repository, family, platforms: [{ platform: platforms[0] ?? have, manifest, config }] };
  }
  const entries = ((parse(top.body).manifests as Json[] | undefined) ?? []).filter(
    (entry) => (entry.platform as Platform | undefined)?.os !== 'unknown',
  );
  const available = entries.map((entry) => entry.platform as Platform).filter(Boolean);
  const chosen = platforms.length > 0 ? platforms : [hostPlatform()];
  const missing = chosen.filter((platform) => !available.some((have) => matches(have, platform)));
  if (missing.length > 0) throw platformMissing(reference, missing, available);
  const perPlatform = await Promise.all(
    chosen.map(async (platform) => {
      const entry = entries.find((candidate) => matches(candidate.platform as Platform, platform))!;
      const child = await registry.getManifest(`${repository}@${entry.digest as string}`, { signal });
      const manifest = parse(child.body) as BaseForPlatform['manifest'];
      return { platform, manifest, config: await readConfig(manifest) };
    }),
  );
  return { repository, family, platforms: perPlatform };
}

function platformMissing(
  reference: string,
  missing: readonly Platform[],
  available: readonly Platform[],
): ImagespecError {
  return new ImagespecError(
    'BUILD_FAILED',
    `The base image ${reference} has no ${missing.map(formatPlatform).join(', ')} (it has ${available.map(formatPlatform).join(', ') || 'no platform'}).`,
    { hint: 'Choose platforms the base image has, or a base image with the platforms you need.' },
  );
}
