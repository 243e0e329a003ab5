/**
 * `@imagespec/core/lock`: `imagespec.lock`: base image digests, computed, checked and applied.
 */

export type { BaseResolver } from './base-resolver.js';
export { createBaseResolver, createLockResolver } from './base-resolver.js';
export type { DigestSource, LockProblem } from './lock.js';
export { checkLock, collectBaseReferences, collectLockReferences, computeLock } from './lock.js';
export type { LockFile } from './lock-file.js';
export {
  EMPTY_LOCK,
  LOCK_FILE_NAME,
  lockFilePath,
  parseLockFile,
  readLockFile,
  serializeLockFile,
  writeLockFile,
} from './lock-file.js';
