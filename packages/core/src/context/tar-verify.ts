import { ImagespecError } from '../errors.js';
import type { FileDigest } from './digest.js';
import type { ContextFile } from './walk.js';

/**
 * What an image's tag was computed from, for `createContextStream` to check the context
 * against while it streams. `ImageIdentity.files` is one.
 */
export interface ExpectedContext {
  readonly requirements?: { readonly sha256: string };
  readonly copy: readonly { readonly files: readonly FileDigest[] }[];
  readonly source?: { readonly files: readonly FileDigest[] };
  /** A Dockerfile spec's context, and the ignore file it was listed with. */
  readonly context?: { readonly files: readonly FileDigest[]; readonly dockerignore: string };
}

const HINT =
  'Run the build again: it computes the tag of the new content. Avoid changing files under the spec’s requirements, copy and source paths while a build runs (an editor saving, a generator running).';

/**
 * One root of the context (the requirements file, a copy entry, the source tree) checked
 * entry by entry, in the order `walkFiles` lists it, against the records of the digest
 * the tag was computed from. Both come from the same listing in the same order, so a
 * walked entry that is not the next record is a file that appeared or vanished since.
 * Each check runs before the entry's last bytes are written, so a changed file never
 * reaches the tar as a whole entry.
 */
export class RootCheck {
  readonly #hostPath: string;
  readonly #records: readonly FileDigest[] | undefined;
  readonly #sha256: string | undefined;
  readonly #isDir: boolean;
  #next = 0;
  #paths: Map<string, number> | undefined;

  private constructor(
    hostPath: string,
    isDir: boolean,
    records: readonly FileDigest[] | undefined,
    sha256: string | undefined,
  ) {
    this.#hostPath = hostPath;
    this.#isDir = isDir;
    this.#records = records;
    this.#sha256 = sha256;
  }

  /** A copy entry or the source (`isDir`: the root is a directory now), recorded as its digest's records. */
  static tree(hostPath: string, isDir: boolean, records: readonly FileDigest[]): RootCheck {
    return new RootCheck(hostPath, isDir, records, undefined);
  }

  /** The requirements file, recorded by its sha256 only. */
  static file(hostPath: string, sha256: string): RootCheck {
    return new RootCheck(hostPath, false, undefined, sha256);
  }

  /**
   * Before an entry is written: it is the next record, of the same kind, executable bit
   * and link target. Returns the sha256 its bytes must have (files only).
   */
  entry(file: ContextFile): string | undefined {
    if (!this.#records) {
      if (this.#next++ > 0 || file.kind !== 'file') {
        throw contextChanged(this.#hostPath, 'was a regular file when the tag was computed and is no longer one');
      }
      return this.#sha256;
    }
    const record = this.#records[this.#next];
    if (record?.path !== file.path) {
      const later = this.#indexOf(file.path);
      if (record === undefined || later === undefined || later < this.#next) {
        throw contextChanged(file.absPath, 'was added after the tag was computed');
      }
      throw contextChanged(this.#absPath(record), 'was removed after the tag was computed');
    }
    this.#next++;
    const mode = file.kind === 'file' ? (file.mode & 0o111 ? 'exec' : 'file') : file.kind;
    if (mode !== record.mode) {
      throw contextChanged(
        file.absPath,
        `was ${describe(record.mode)} when the tag was computed and is now ${describe(mode)}`,
      );
    }
    if (mode === 'symlink' && file.linkTarget !== record.linkTarget) {
      throw contextChanged(
        file.absPath,
        `pointed to ${record.linkTarget} when the tag was computed and now points to ${file.linkTarget}`,
      );
    }
    return record.sha256;
  }

  /** After the walk: every record was listed. */
  end(): void {
    const expected = this.#records?.length ?? 1;
    if (this.#next >= expected) return;
    const record = this.#records?.[this.#next];
    throw contextChanged(record ? this.#absPath(record) : this.#hostPath, 'was removed after the tag was computed');
  }

  #absPath(record: FileDigest): string {
    // A single-file root's one record is named by its basename: the root is the file.
    return this.#isDir ? `${this.#hostPath}/${record.path}` : this.#hostPath;
  }

  #indexOf(path: string): number | undefined {
    if (!this.#paths) this.#paths = new Map(this.#records!.map((record, index) => [record.path, index]));
    return this.#paths.get(path);
  }
}

/** A file whose bytes, as read for the tar, do not hash to the recorded sha256. */
export function contentChanged(file: ContextFile, expected: string, actual: string): ImagespecError {
  return contextChanged(file.absPath, 'has different content than when the tag was computed', {
    expectedSha256: expected,
    actualSha256: actual,
  });
}

/** `what` completes "<path> ...": what happened to the file. */
export function contextChanged(path: string, what: string, extra: Record<string, unknown> = {}): ImagespecError {
  return new ImagespecError(
    'CONTEXT_CHANGED',
    `${path} ${what}, so the build context no longer matches the image’s tag; the build was stopped.`,
    { hint: HINT, details: { path, ...extra } },
  );
}

function describe(mode: FileDigest['mode']): string {
  return mode === 'exec'
    ? 'an executable file'
    : mode === 'file'
      ? 'a non-executable file'
      : `a ${mode === 'dir' ? 'directory' : 'symlink'}`;
}
