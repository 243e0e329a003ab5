import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where the test environment keeps what it starts and makes (daemon data, registry
 * storage, base image tarballs, the pip index). Outside the repo so `git clean` and fresh
 * clones reuse it; override with IMAGESPEC_TEST_STATE.
 */
export function stateDir(...parts: string[]): string {
  const root = process.env.IMAGESPEC_TEST_STATE ?? '/var/tmp/imagespec-test';
  const dir = join(root, ...parts);
  mkdirSync(dir, { recursive: true });
  return dir;
}
