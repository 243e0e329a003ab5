import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeProject } from '@imagespec/core/testing';
import { afterEach } from 'vitest';

/** The committed bin npm links (bin/imagespec.js), which loads the built CLI from dist/. */
export const CLI_BIN = fileURLToPath(new URL('../bin/imagespec.js', import.meta.url));
const BUILT_CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface BinResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the BUILT binary as a user would (a subprocess); `npm test` builds it first. */
export function runBin(
  args: string[],
  options: { cwd: string; env?: Record<string, string>; timeoutMs?: number },
): Promise<BinResult> {
  if (!existsSync(BUILT_CLI))
    throw new Error(`${BUILT_CLI} is missing: build first (npx nx run cli:build, or npm test).`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? '', HOME: options.cwd, NO_COLOR: '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs ?? 60_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A temp project folder with the given files; removed by the returned dispose. */
export async function tempProject(files: Record<string, string>): Promise<{ dir: string; dispose(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'imagespec-cli-'));
  await writeProject(dir, files);
  return { dir, dispose: () => rm(dir, { recursive: true, force: true }) };
}

/** Path of core's built entry, for test builders written as plain .mjs files. */
export const CORE_DIST = join(REPO_ROOT, 'packages/core/dist/index.js');

/** `project(files)` for one test file: a temp project folder, removed after the test that made it. */
export function useTempProjects(): (files: Record<string, string>) => Promise<string> {
  const live: { dispose(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(live.splice(0).map((p) => p.dispose()));
  });
  return async (files) => {
    const p = await tempProject(files);
    live.push(p);
    return p.dir;
  };
}
