import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Script } from 'node:vm';

/**
 * Runs a CommonJS bundle from a V8 code cache. Compiling the CLI's bundle is most of what
 * `imagespec tag` costs over `node -e 0` (bench/cli-startup), and Node 20 has no
 * `module.enableCompileCache` (22.1+), so the bin does what that does: compile through
 * `vm.Script` with the bytes V8 serialized after an earlier run, and save them when there
 * were none. The bundle must stay CommonJS, as V8 caches scripts and Node 20 offers ESM
 * modules no cache.
 *
 * One cache file per bundle and command, because V8 serializes the functions that had been
 * compiled when it is asked: `--version` would leave a cache without the spec loader. A
 * file is used only if its stamp (bundle path, size, mtime, Node version, arch) matches;
 * V8 checks its own flags and rejects a mismatch, and then the file is written again.
 *
 * The bundle must not `import()`: Node 20 drops a vm.Script's dynamic import handler when
 * the script comes from a code cache. Core takes an `importModule` for what it imports
 * (builders, configs, jiti), and the bin passes its own (`CliIo.importModule`).
 */
export interface CodeCacheOptions {
  /** Absolute path of the CommonJS bundle. */
  readonly file: string;
  /** Cache slot, e.g. the command name; [a-z0-9-] only. */
  readonly slot: string;
  /** Where cache files live; undefined turns the cache off (the bundle still runs). */
  readonly cacheDir: string | undefined;
}

export interface LoadedBundle<T> {
  readonly exports: T;
  /** Whether the bundle was compiled from the cache. */
  readonly cached: boolean;
  /** The cache file used or to be written; undefined when the cache is off. */
  readonly cacheFile: string | undefined;
  /** Saves the cache if it was missing or rejected; call after the work, so it holds what the work compiled. */
  save(): void;
}

const HEADER_END = 0x0a;

export function loadBundle<T>(options: CodeCacheOptions): LoadedBundle<T> {
  const { file, cacheDir } = options;
  const source = readFileSync(file, 'utf8');
  const stamp = cacheStamp(file);
  const cacheFile = cacheDir ? join(cacheDir, `${basename(file)}-${options.slot}-${fnv1a(file)}.v8`) : undefined;
  const cachedData = cacheFile ? readCache(cacheFile, stamp) : undefined;
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    ...(cachedData && { cachedData }),
  });
  const module = { exports: {} as T };
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  const cached = cachedData !== undefined && !script.cachedDataRejected;
  return {
    exports: module.exports,
    cached,
    cacheFile,
    save() {
      if (!cacheFile || !cacheDir || cached) return;
      try {
        writeCache(cacheDir, cacheFile, stamp, script.createCachedData());
      } catch {
        // A cache that cannot be written (read-only or full disk) only costs the next start its speed.
      }
    },
  };
}

/** What a cache file must carry to be used for `file`: V8 itself compares only the source's length. */
export function cacheStamp(file: string): string {
  const stat = statSync(file);
  return JSON.stringify({
    v: 1,
    file,
    size: stat.size,
    mtimeMs: stat.mtimeMs,
    node: process.version,
    arch: process.arch,
  });
}

/** The per-user default: Node's own compile cache lives in the temp dir too. Off with IMAGESPEC_CODE_CACHE=0. */
export function defaultCacheDir(env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (env.IMAGESPEC_CODE_CACHE === '0' || env.NODE_DISABLE_COMPILE_CACHE) return undefined;
  if (env.IMAGESPEC_CODE_CACHE_DIR) return env.IMAGESPEC_CODE_CACHE_DIR;
  const user = typeof process.getuid === 'function' ? String(process.getuid()) : 'user';
  return join(tmpdir(), `imagespec-code-cache-${user}`);
}

function readCache(cacheFile: string, stamp: string): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(cacheFile, 'r');
    // Only a file of this user's: the cache is compiled code, and the temp dir is shared.
    const info = fstatSync(fd);
    if (typeof process.getuid === 'function' && info.uid !== process.getuid()) return undefined;
    const bytes = readFileSync(fd);
    const end = bytes.indexOf(HEADER_END);
    if (end < 0 || bytes.subarray(0, end).toString('utf8') !== stamp) return undefined;
    return bytes.subarray(end + 1);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function writeCache(cacheDir: string, cacheFile: string, stamp: string, data: Buffer): void {
  mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
  const dir = statSync(cacheDir);
  if (typeof process.getuid === 'function' && dir.uid !== process.getuid()) return;
  // Written aside and renamed: concurrent runs never read half a file.
  const temp = `${cacheFile}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, Buffer.concat([Buffer.from(stamp), Buffer.from([HEADER_END]), data]), { mode: 0o600 });
    renameSync(temp, cacheFile);
  } finally {
    rmSync(temp, { force: true });
  }
}

/** FNV-1a of the bundle path: tells installs apart in file names without loading node:crypto. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}
