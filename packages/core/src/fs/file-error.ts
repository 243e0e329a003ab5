import { ImagespecError } from '../errors.js';

/** An fs error as an ImagespecError that names the file (shared by walk, digest and tar). */
export function fileError(error: unknown, path: string): ImagespecError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new ImagespecError('FILE_NOT_FOUND', `${path} does not exist.`, {
      hint: 'Check the path in the spec (relative paths are resolved against the spec file’s folder).',
      cause: error,
      details: { path },
    });
  }
  if (code === 'EACCES' || code === 'EPERM') {
    return new ImagespecError('FILE_NOT_FOUND', `${path} cannot be read: permission denied.`, {
      hint: 'Make the file readable by the user running imagespec, or exclude it in .dockerignore.',
      cause: error,
      details: { path, errno: code },
    });
  }
  return new ImagespecError('FILE_NOT_FOUND', `${path} cannot be read: ${(error as Error)?.message ?? error}.`, {
    cause: error,
    details: { path, errno: code },
  });
}
