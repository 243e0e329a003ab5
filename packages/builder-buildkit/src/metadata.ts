import { readFile } from 'node:fs/promises';

/** What `buildctl build --metadata-file` tells about the result. */
export interface BuildMetadata {
  /** Manifest (or index, for several platforms) digest of the exported image. */
  readonly digest?: string;
  readonly imageName?: string;
  readonly mediaType?: string;
  /** Digest of the exported cache manifest, when a registry cache was exported. */
  readonly cacheDigest?: string;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** Pure: the metadata file's JSON -> the facts we use. Unknown or malformed fields are left out. */
export function parseBuildMetadata(text: string): BuildMetadata {
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null) return {};
  const record = value as Record<string, unknown>;
  const descriptor = record['containerimage.descriptor'] as { digest?: unknown; mediaType?: unknown } | undefined;
  const digest = [record['containerimage.digest'], descriptor?.digest].find(
    (candidate): candidate is string => typeof candidate === 'string' && DIGEST.test(candidate),
  );
  const imageName = typeof record['image.name'] === 'string' ? record['image.name'] : undefined;
  const mediaType = typeof descriptor?.mediaType === 'string' ? descriptor.mediaType : undefined;
  const cacheDigest = parseCacheDigest(record['cache.manifest']);
  return {
    ...(digest && { digest }),
    ...(imageName && { imageName }),
    ...(mediaType && { mediaType }),
    ...(cacheDigest && { cacheDigest }),
  };
}

/** Reads the file buildctl wrote; undefined when it wrote none (it writes it only after a successful solve). */
export async function readBuildMetadata(path: string): Promise<BuildMetadata | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return text.trim() === '' ? undefined : parseBuildMetadata(text);
}

// BuildKit stores the cache descriptor as a JSON string inside the JSON.
function parseCacheDigest(value: unknown): string | undefined {
  const parsed = typeof value === 'string' ? safeJson(value) : value;
  const digest = (parsed as { digest?: unknown } | undefined)?.digest;
  return typeof digest === 'string' && DIGEST.test(digest) ? digest : undefined;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
