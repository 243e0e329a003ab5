import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commandExists, ensureAptPackages } from './apt.js';
import type { TestRegistry } from './registry.js';
import { stateDir } from './state.js';

/** Base images the tests build on, made locally and pushed once to the open registry. */
export interface BaseImages {
  /** A busybox rootfs (sh and the usual applets), e.g. `127.0.0.1:5000/imagespec-test/busybox:1`. */
  readonly busybox: string;
  /** Debian bookworm with python3, pip and venv, e.g. `127.0.0.1:5000/imagespec-test/python:3-bookworm`. */
  readonly python: string;
}

interface Recipe {
  readonly repository: string;
  readonly tag: string;
  /** Image config set by `docker import --change`. */
  readonly changes: readonly string[];
  /** Writes the rootfs tarball to `tarball`. */
  make(tarball: string, log: (line: string) => void): void;
}

// Bump a tag when its recipe changes: a registry that holds the old tag is then refilled.
const RECIPES = {
  busybox: {
    repository: 'imagespec-test/busybox',
    tag: '1',
    changes: ['ENV PATH=/bin:/sbin:/usr/bin:/usr/sbin', 'CMD ["sh"]'],
    make: makeBusyboxRootfs,
  },
  python: {
    repository: 'imagespec-test/python',
    tag: '3-bookworm',
    changes: [
      'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'ENV LANG=C.UTF-8',
      'CMD ["python3"]',
    ],
    make: makeBookwormRootfs,
  },
} satisfies Record<keyof BaseImages, Recipe>;

/**
 * Makes sure both base images are in the open registry. An image already there is reused
 * as is; otherwise its rootfs tarball (cached in the state dir, so the ~80 s debootstrap
 * runs once per machine) is `docker import`ed and pushed. No public registry is involved.
 */
export async function ensureBaseImages(
  dockerSocket: string,
  registry: TestRegistry,
  log: (line: string) => void,
): Promise<BaseImages> {
  const result: Record<string, string> = {};
  for (const [key, recipe] of Object.entries(RECIPES) as [keyof BaseImages, Recipe][]) {
    const ref = `${registry.host}/${recipe.repository}:${recipe.tag}`;
    result[key] = ref;
    if (await manifestExists(registry, recipe)) continue;
    const tarball = join(stateDir('base-images'), `${recipe.repository.replaceAll('/', '-')}-${recipe.tag}.tar`);
    if (!existsSync(tarball)) {
      log(`making the rootfs of ${ref}`);
      const partial = `${tarball}.partial`;
      recipe.make(partial, log);
      renameSync(partial, tarball);
    }
    log(`importing and pushing ${ref}`);
    const docker = (...args: string[]) =>
      execFileSync('docker', ['-H', `unix://${dockerSocket}`, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
    docker('import', ...recipe.changes.flatMap((change) => ['--change', change]), tarball, ref);
    docker('push', ref);
  }
  return result as unknown as BaseImages;
}

async function manifestExists(registry: TestRegistry, recipe: Recipe): Promise<boolean> {
  const response = await fetch(`${registry.url}/v2/${recipe.repository}/manifests/${recipe.tag}`, {
    method: 'HEAD',
    headers: {
      accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json',
    },
    signal: AbortSignal.timeout(5000),
  });
  return response.status === 200;
}

function makeBusyboxRootfs(tarball: string, log: (line: string) => void): void {
  ensureAptPackages({ busybox: 'busybox-static' }, log);
  const busybox = execFileSync('sh', ['-c', 'command -v busybox'], { encoding: 'utf8' }).trim();
  // ldd (libc-bin, always there) says "not a dynamic executable" for a static binary.
  const ldd = spawnSync('ldd', [busybox], { encoding: 'utf8' });
  if (!`${ldd.stdout}${ldd.stderr}`.includes('not a dynamic executable')) {
    throw new Error(
      `${busybox} is not statically linked; install busybox-static (Debian) so it runs inside an empty image.`,
    );
  }
  const root = mkdtempSync(join(stateDir('base-images'), 'busybox-'));
  try {
    chmodSync(root, 0o755); // mkdtemp makes 0700, and the tarball's `.` becomes the image's /
    for (const dir of ['bin', 'etc', 'root', 'tmp', 'usr/bin', 'sbin', 'var'])
      mkdirSync(join(root, dir), { recursive: true });
    chmodSync(join(root, 'tmp'), 0o1777);
    execFileSync('cp', [busybox, join(root, 'bin/busybox')]);
    const applets = execFileSync(busybox, ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean);
    for (const applet of applets) {
      if (applet !== 'busybox') symlinkSync('busybox', join(root, 'bin', applet));
    }
    writeFileSync(
      join(root, 'etc/passwd'),
      'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n',
    );
    writeFileSync(join(root, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
    execFileSync('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', root, '-cf', tarball, '.']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function makeBookwormRootfs(tarball: string, log: (line: string) => void): void {
  if (!commandExists('debootstrap')) ensureAptPackages({ debootstrap: 'debootstrap' }, log);
  if (process.getuid?.() !== 0) {
    throw new Error(
      'Making the Debian base image needs root (debootstrap). Run the suite once as root, or push an image with python3 and pip to the registry as imagespec-test/python:3-bookworm.',
    );
  }
  const root = mkdtempSync(join(stateDir('base-images'), 'bookworm-'));
  try {
    chmodSync(root, 0o755); // mkdtemp makes 0700, and the tarball's `.` becomes the image's /
    log('debootstrap bookworm with python3, python3-pip, python3-venv (about 80 s, once per machine)');
    // No mirror argument: debootstrap's built-in default, so no host name is written here.
    const run = spawnSync(
      'debootstrap',
      ['--variant=minbase', '--include=python3,python3-pip,python3-venv,ca-certificates', 'bookworm', root],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    if (run.status !== 0)
      throw new Error(`debootstrap failed (exit ${run.status ?? run.signal}); see its output above.`);
    rmSync(join(root, 'var/cache/apt/archives'), { recursive: true, force: true });
    rmSync(join(root, 'var/lib/apt/lists'), { recursive: true, force: true });
    mkdirSync(join(root, 'var/lib/apt/lists/partial'), { recursive: true });
    mkdirSync(join(root, 'var/cache/apt/archives/partial'), { recursive: true });
    execFileSync('tar', ['--numeric-owner', '-C', root, '-cf', tarball, '.']);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
