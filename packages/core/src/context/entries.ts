import { createHash } from 'node:crypto';
import { closeSync, createReadStream, constants as fsConstants, openSync, readSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import type { ContextSyncEntry } from '../contract/builder.js';
import type { ResolvedDockerfile, ResolvedImageSpec } from '../contract/spec.js';
import { chooseDockerignore } from '../dockerfile-spec/facts.js';
import { ImagespecError } from '../errors.js';
import { contentMtimeNs } from './content-mtime.js';
import { type ContextEntry, type ContextLayout, computeContextLayout } from './layout.js';
import { projectRootOf } from './project.js';
import { contentChanged, contextChanged, type ExpectedContext, RootCheck } from './tar-verify.js';
import { type ContextFile, compareBytes, fileError, walkFiles } from './walk.js';

/** One entry of the build context (without the Dockerfile), as both the tar and the file sync send it. */
export interface ListedEntry {
  /** Path in the context, no trailing slash. */
  readonly path: string;
  readonly kind: 'dir' | 'file' | 'symlink';
  /** The mode the image gets: 0755 directories and executables, 0644 other files, 0777 symlinks. */
  readonly mode: number;
  readonly linkTarget?: string;
  /** The walked file, for files. */
  readonly file?: ContextFile;
  /** The sha256 the tag was computed from, for files, when checking against `expected`. */
  readonly sha256?: string;
}

/**
 * The build context's entries, Dockerfile aside: every entry of `computeContextLayout(spec)`
 * at its context path, listed by `walkFiles` (the listing the tag was computed from), in
 * byte order of the names, parents before children. With `expected`, each root is checked
 * entry by entry against what the tag was computed from (CONTEXT_CHANGED otherwise), and
 * files carry the sha256 their bytes must have.
 */
export async function* listContext(
  spec: ResolvedImageSpec,
  options: { readonly expected?: ExpectedContext; readonly signal?: AbortSignal } = {},
): AsyncGenerator<ListedEntry> {
  const { expected, signal } = options;
  signal?.throwIfAborted();
  if (spec.dockerfile) {
    yield* listDockerfileContext(spec, spec.dockerfile, options);
    return;
  }
  const layout = computeContextLayout(spec);
  const project = projectRootOf(spec);
  if (expected) checkShape(spec, layout, expected);
  const roots = [
    ...(layout.requirements ? [layout.requirements] : []),
    ...layout.copy,
    ...(layout.source ? [layout.source] : []),
  ]
    // Each root's entries are contiguous in byte order after `contextPath/`.
    .sort((a, b) => compareBytes(`${a.contextPath}/`, `${b.contextPath}/`));
  const listed = new Set<string>();
  for (const root of roots) {
    const parts = root.contextPath.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (listed.has(dir)) continue;
      listed.add(dir);
      yield { path: dir, kind: 'dir', mode: 0o755 };
    }
    let isDir: boolean;
    try {
      isDir = (await stat(root.hostPath)).isDirectory();
    } catch (error) {
      throw readError(error, root.hostPath, expected !== undefined);
    }
    const check = expected && rootCheck(root, isDir, layout, expected);
    if (isDir) yield { path: root.contextPath, kind: 'dir', mode: 0o755 };
    for await (const file of walkFiles(root.hostPath, { project, ...(signal && { signal }) })) {
      const sha256 = check?.entry(file);
      const path = isDir ? `${root.contextPath}/${file.path}` : root.contextPath;
      if (file.kind === 'dir') yield { path, kind: 'dir', mode: 0o755 };
      else if (file.kind === 'symlink') yield { path, kind: 'symlink', mode: 0o777, linkTarget: file.linkTarget ?? '' };
      else {
        // The requirements file is hashed by its bytes alone, so its exec bit must not reach the image.
        const mode = root.role === 'requirements' ? 0o644 : file.mode & 0o111 ? 0o755 : 0o644;
        yield { path, kind: 'file', mode, file, ...(sha256 !== undefined && { sha256 }) };
      }
    }
    check?.end();
  }
}

/**
 * A Dockerfile spec's context: the folder's own entries at the root of the context, as
 * `docker build` sends them, listed with the ignore file the tag was computed with.
 */
async function* listDockerfileContext(
  spec: ResolvedImageSpec,
  dockerfile: ResolvedDockerfile,
  options: { readonly expected?: ExpectedContext; readonly signal?: AbortSignal },
): AsyncGenerator<ListedEntry> {
  const { expected, signal } = options;
  if (expected && !expected.context) {
    throw new ImagespecError(
      'INTERNAL',
      `The files expected in the build context of \`${spec.name}\` are not its own: it builds a Dockerfile, and they hold no context.`,
    );
  }
  const check = expected?.context && RootCheck.tree(dockerfile.context, true, expected.context.files);
  const dockerignore = expected?.context?.dockerignore ?? (await chooseDockerignore(dockerfile));
  for await (const file of walkFiles(dockerfile.context, {
    project: projectRootOf(spec),
    dockerignore,
    ...(signal && { signal }),
  })) {
    const sha256 = check?.entry(file);
    const { path } = file;
    if (file.kind === 'dir') yield { path, kind: 'dir', mode: 0o755 };
    else if (file.kind === 'symlink') yield { path, kind: 'symlink', mode: 0o777, linkTarget: file.linkTarget ?? '' };
    else
      yield {
        path,
        kind: 'file',
        mode: file.mode & 0o111 ? 0o755 : 0o644,
        file,
        ...(sha256 !== undefined && { sha256 }),
      };
  }
  check?.end();
}

/**
 * The context as `BuildRequest.contextEntries` gives it to a file-sync transport. A file's
 * mtime is taken from its digest (nanoseconds below one second, so tools show the epoch as
 * the tar's mtime 0 does): BuildKit's receiver compares size and mtime with what it kept
 * from the last build, so any change of content makes it ask for the file again (a stale
 * copy with another digest would need a 30-bit collision and the same size).
 */
export async function* contextSyncEntries(
  spec: ResolvedImageSpec,
  options: { readonly expected: ExpectedContext; readonly signal?: AbortSignal },
): AsyncGenerator<ContextSyncEntry> {
  for await (const entry of listContext(spec, options)) {
    const { path, kind, mode } = entry;
    if (kind !== 'file') {
      yield {
        path,
        kind,
        mode,
        size: 0,
        mtimeNs: 0,
        ...(entry.linkTarget !== undefined && { linkTarget: entry.linkTarget }),
      };
      continue;
    }
    const file = entry.file!;
    const sha256 = entry.sha256!;
    yield {
      path,
      kind,
      mode,
      size: file.size,
      mtimeNs: contentMtimeNs(sha256),
      sha256,
      read: () => readVerified(file, sha256, options.signal),
      ...(file.size <= WHOLE_READ_MAX && {
        readSync: () => {
          options.signal?.throwIfAborted();
          return readWhole(file, sha256);
        },
      }),
    };
  }
}

/** Files up to this size are read whole with one blocking read (as the context tar does): a stream per small file costs more than its bytes. */
const WHOLE_READ_MAX = 256 * 1024;

/** Reads for the file sync: O_NOFOLLOW, hashed as read; the last chunk is held back until the digest matches. */
async function* readVerified(
  file: ContextFile,
  sha256: string,
  signal: AbortSignal | undefined,
): AsyncGenerator<Buffer> {
  if (file.size <= WHOLE_READ_MAX) {
    signal?.throwIfAborted();
    const bytes = readWhole(file, sha256);
    if (bytes.length > 0) yield bytes;
    return;
  }
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file.absPath, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW);
  } catch (error) {
    throw readError(error, file.absPath, true);
  }
  const hash = createHash('sha256');
  let held: Buffer | undefined;
  try {
    const chunks = createReadStream('', {
      fd: handle.fd,
      autoClose: false,
      highWaterMark: 256 * 1024,
      ...(signal && { signal }),
    });
    for await (const chunk of chunks) {
      hash.update(chunk as Buffer);
      if (held) yield held;
      held = chunk as Buffer;
    }
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw readError(error, file.absPath, true);
  } finally {
    await handle.close();
  }
  const actual = hash.digest('hex');
  if (actual !== sha256) throw contentChanged(file, sha256, actual);
  if (held) yield held;
}

/** A small file in one read of up to size + 1 bytes (a file that grew then fails the digest check). */
export function readWhole(file: ContextFile, sha256: string): Buffer {
  let fd: number;
  try {
    fd = openSync(file.absPath, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW);
  } catch (error) {
    throw readError(error, file.absPath, true);
  }
  try {
    const buffer = Buffer.allocUnsafe(file.size + 1);
    let length = 0;
    for (let n = -1; n !== 0 && length < buffer.length; length += n) {
      n = readSync(fd, buffer, length, buffer.length - length, null);
    }
    const bytes = buffer.subarray(0, length);
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== sha256) throw contentChanged(file, sha256, actual);
    return bytes;
  } catch (error) {
    if ((error as { name?: string }).name === 'ImagespecError') throw error;
    throw readError(error, file.absPath, true);
  } finally {
    closeSync(fd);
  }
}

/** What one root must be: the requirements by their sha256, a copy entry or the source by its records. */
function rootCheck(root: ContextEntry, isDir: boolean, layout: ContextLayout, expected: ExpectedContext): RootCheck {
  // checkShape made sure each root has its expectation.
  if (root.role === 'requirements') return RootCheck.file(root.hostPath, expected.requirements!.sha256);
  const records = root.role === 'source' ? expected.source!.files : expected.copy[layout.copy.indexOf(root)]!.files;
  return RootCheck.tree(root.hostPath, isDir, records);
}

/** The identity given must describe this spec's context: a mismatch is a caller's bug, not a changed file. */
function checkShape(spec: ResolvedImageSpec, layout: ContextLayout, expected: ExpectedContext) {
  if (
    expected.copy.length === layout.copy.length &&
    !expected.requirements === !layout.requirements &&
    !expected.source === !layout.source
  ) {
    return;
  }
  throw new ImagespecError(
    'INTERNAL',
    `The files expected in the build context of \`${spec.name}\` are not its own: they do not fit its requirements, copy entries and source.`,
    {
      details: {
        spec: spec.name,
        expected: { requirements: !!expected.requirements, copy: expected.copy.length, source: !!expected.source },
        layout: { requirements: !!layout.requirements, copy: layout.copy.length, source: !!layout.source },
      },
    },
  );
}

/** A file the walk listed that cannot be opened or read now; when verifying, a vanished file is a change. */
export function readError(error: unknown, path: string, verifying: boolean): ImagespecError {
  const known = verifying ? removedOr(error, path) : fileError(error, path);
  const errno = known.details?.errno;
  if (known.code !== 'FILE_NOT_FOUND' || errno === undefined) return known;
  return new ImagespecError('FILE_UNREADABLE', known.message, {
    ...(known.hint !== undefined && { hint: known.hint }),
    cause: error,
    details: known.details,
  });
}

/** What the tag was computed from existed: gone now, it was removed since. */
function removedOr(error: unknown, path: string): ImagespecError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return contextChanged(path, 'was removed after the tag was computed');
  return fileError(error, path);
}
