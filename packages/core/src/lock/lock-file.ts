import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ImagespecError } from '../errors.js';

export const LOCK_FILE_NAME = 'imagespec.lock.json';
export const LOCK_FILE_VERSION = 1;

/**
 * imagespec.lock.json: base image references (normalized, tag included) pinned to the
 * digest the registry gave when the user locked. No timestamps, sorted keys, so the file
 * only changes when a digest does and diffs stay readable.
 */
export interface LockFile {
  readonly version: typeof LOCK_FILE_VERSION;
  readonly images: Readonly<Record<string, { readonly digest: string }>>;
}

export const EMPTY_LOCK: LockFile = Object.freeze({ version: LOCK_FILE_VERSION, images: Object.freeze({}) });

const DIGEST = /^sha256:[a-f0-9]{64}$/;

export function parseLockFile(text: string, file: string): LockFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new ImagespecError('LOCK_INVALID', `${file} is not valid JSON: ${(cause as Error).message}.`, {
      hint: 'Fix the file by hand, or delete it and run `imagespec lock` to write it again.',
      cause,
    });
  }
  const value = json as { version?: unknown; images?: unknown };
  if (
    typeof value !== 'object' ||
    value === null ||
    value.version !== LOCK_FILE_VERSION ||
    typeof value.images !== 'object' ||
    value.images === null
  ) {
    throw new ImagespecError(
      'LOCK_INVALID',
      `${file} is not an imagespec lock file of version ${LOCK_FILE_VERSION} (expected {"version": 1, "images": {...}}).`,
      {
        hint: 'Delete it and run `imagespec lock` to write it again.',
      },
    );
  }
  const images: Record<string, { digest: string }> = {};
  for (const [reference, entry] of Object.entries(value.images as Record<string, unknown>)) {
    const digest = (entry as { digest?: unknown })?.digest;
    if (typeof digest !== 'string' || !DIGEST.test(digest)) {
      throw new ImagespecError(
        'LOCK_INVALID',
        `${file}: the entry for ${reference} has no valid digest (expected sha256:<64 hex>).`,
        {
          hint: 'Run `imagespec lock` to resolve it again.',
        },
      );
    }
    images[reference] = { digest };
  }
  return { version: LOCK_FILE_VERSION, images };
}

export function serializeLockFile(lock: LockFile): string {
  const images = Object.fromEntries(Object.entries(lock.images).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return `${JSON.stringify({ version: lock.version, images }, null, 2)}\n`;
}

export function lockFilePath(dir: string): string {
  return join(dir, LOCK_FILE_NAME);
}

/** Reads the lock next to the config; a missing file is an empty lock. */
export async function readLockFile(dir: string): Promise<LockFile> {
  const file = lockFilePath(dir);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY_LOCK;
    throw new ImagespecError('LOCK_INVALID', `Cannot read ${file}: ${(error as Error).message}.`, {
      hint: `Make ${file} readable, or delete it and run \`imagespec lock\` to write it again.`,
      cause: error,
    });
  }
  return parseLockFile(text, file);
}

export async function writeLockFile(dir: string, lock: LockFile): Promise<string> {
  const file = lockFilePath(dir);
  await writeFile(file, serializeLockFile(lock));
  return file;
}
