/**
 * `@imagespec/core/context`: the build context: the one walk (ignore files, built-in list), tree
 * digests and their stat cache, the deterministic tar and the file-sync entries.
 */

export { BUILTIN_IGNORE_PATTERNS } from './builtin-ignore.js';
export type { DigestOptions, FileDigest, TreeDigest } from './digest.js';
export { digestRecords, digestTree, sha256File } from './digest.js';
export { contextSyncEntries } from './entries.js';
export type { ExcludedGroup } from './exclusions.js';
export type { Gitignore, GitignorePattern } from './gitignore.js';
export { matchGitignore, parseGitignore } from './gitignore.js';
export type { DockerignorePattern, IgnoreMatcher } from './ignore.js';
export { createIgnoreMatcher, parseIgnoreMatcher } from './ignore.js';
export type { ContextEntry, ContextLayout } from './layout.js';
export { CONTEXT_PREFIX, computeContextLayout, DEFAULT_WORKDIR, DOCKERFILE_PATH } from './layout.js';
export type { StatCacheOptions, TreeRun } from './stat-cache.js';
export { RACY_NS, STAT_CACHE_FORMAT, StatCache, statCacheFile, statCacheFor } from './stat-cache.js';
export type { ContextStreamOptions } from './tar.js';
export { createContextStream } from './tar.js';
export type { ExpectedContext } from './tar-verify.js';
export type { ContextFile, ExcludedEntry, WalkOptions } from './walk.js';
export { walkFiles } from './walk.js';
