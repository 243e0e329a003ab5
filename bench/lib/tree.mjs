// A seeded, deterministic file tree that stands for a real project: nested directories,
// mixed file sizes (many small, a few large), some executables, a few symlinks, half the
// files text-like and half incompressible. The same options always give the same bytes.
// Trees live under /var/tmp/imagespec-bench and are reused when complete.
import { createCipheriv, createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const BENCH_DIR = process.env.IMAGESPEC_BENCH_DIR ?? '/var/tmp/imagespec-bench';

const WORDS =
  'import def class return self value data model train config path name list dict from with as if else for in'.split(
    ' ',
  );

/** mulberry32: small, fast, good enough to pick sizes and names. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Deterministic incompressible bytes: AES-128-CTR over zeros, keyed by the seed and file index. */
function randomBytes(seed, index, size) {
  const key = createHash('sha256').update(`${seed}/${index}`).digest();
  const cipher = createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32));
  return cipher.update(Buffer.alloc(size));
}

function textBytes(random, size) {
  const parts = [];
  let length = 0;
  while (length < size) {
    const line = `${Array.from({ length: 1 + Math.floor(random() * 10) }, () => WORDS[Math.floor(random() * WORDS.length)]).join(' ')}\n`;
    parts.push(line);
    length += line.length;
  }
  return Buffer.from(parts.join('')).subarray(0, size);
}

/**
 * Sizes like a source tree: 99% small files (log-uniform 100 B - 32 KB) and 1% large ones
 * (log-uniform 256 KB - `maxFile`), then scaled so they sum to `bytes`.
 */
function fileSizes(random, files, bytes, maxFile) {
  const logUniform = (lo, hi) => Math.exp(Math.log(lo) + random() * (Math.log(hi) - Math.log(lo)));
  const raw = Array.from({ length: files }, () =>
    random() < 0.01 ? logUniform(256 * 1024, maxFile) : logUniform(100, 32 * 1024),
  );
  const scale = bytes / raw.reduce((sum, x) => sum + x, 0);
  const sizes = raw.map((x) => Math.max(0, Math.floor(x * scale)));
  sizes[0] += bytes - sizes.reduce((sum, x) => sum + x, 0);
  return sizes;
}

/**
 * Returns the path of the tree for these options, generating it first if absent.
 * @param {{ files?: number, bytes?: number, seed?: number, maxFile?: number, dirs?: number, log?: (s: string) => void }} [options]
 */
export async function ensureTree(options = {}) {
  const {
    files = 10_000,
    bytes = 100 * 1024 * 1024,
    seed = 1,
    maxFile = 2 * 1024 * 1024,
    dirs = Math.ceil(files / 20),
  } = options;
  const name = `tree-s${seed}-f${files}-b${bytes}-m${maxFile}-d${dirs}`;
  const root = join(BENCH_DIR, name);
  const marker = join(BENCH_DIR, `${name}.complete`);
  if (existsSync(marker) && existsSync(root)) return root;

  options.log?.(`generating ${root} (${files} files, ${(bytes / 1024 / 1024).toFixed(0)} MB)`);
  await rm(root, { recursive: true, force: true });
  await mkdir(root, { recursive: true });
  const random = prng(seed);

  // Directories: each new one nests under a random earlier one, so depth varies (mostly 1-6).
  const dirPaths = [''];
  for (let i = 1; i < dirs; i++) {
    const parent = dirPaths[Math.floor(random() * dirPaths.length)];
    const depth = parent === '' ? 0 : parent.split('/').length;
    const base = depth >= 6 ? '' : parent;
    dirPaths.push(base === '' ? `pkg${i}` : `${base}/mod${i}`);
  }
  for (const dir of dirPaths) if (dir) await mkdir(join(root, dir), { recursive: true });

  const sizes = fileSizes(random, files, bytes, maxFile);
  for (let i = 0; i < files; i++) {
    const dir = dirPaths[Math.floor(random() * dirPaths.length)];
    const text = random() < 0.5;
    const path = join(root, dir, `${text ? 'file' : 'blob'}${i}.${text ? 'py' : 'bin'}`);
    await writeFile(path, text ? textBytes(random, sizes[i]) : randomBytes(seed, i, sizes[i]));
    if (random() < 0.05) await chmod(path, 0o755);
  }
  for (let i = 0; i < Math.min(20, Math.floor(files / 500)); i++) {
    const dir = dirPaths[Math.floor(random() * dirPaths.length)];
    await symlink(`../target-${i}`, join(root, dir, `link${i}`));
  }
  await writeFile(marker, `${new Date(0).toISOString()}\n`);
  return root;
}
