import {
  checkLock,
  collectLockReferences,
  computeLock,
  lockFilePath,
  readLockFile,
  writeLockFile,
} from '@imagespec/core/lock';
import { createRegistryAccess, createRegistryClient } from '@imagespec/core/registry';
import { type CliIo, ExitCode } from '../io.js';
import { homeDir, loadProject } from '../project.js';

/**
 * `imagespec lock`: pin every base image named by tag to the digest the registry serves
 * now, in imagespec.lock.json next to the config. `--check` (for CI) changes nothing and
 * exits 1 when an entry is missing or the registry now serves another digest.
 */
export async function lockCommand(
  io: CliIo,
  options: { config?: string; specs: string[]; check?: boolean; json?: boolean },
): Promise<void> {
  const project = await loadProject(io, options);
  const access = createRegistryAccess({ ...project.config, env: io.env, home: homeDir(io) });
  // Digests come from the registry the user named, not from a mirror: the lock pins the logical image.
  const client = createRegistryClient({ access });
  const current = await readLockFile(project.config.dir);
  const file = lockFilePath(project.config.dir);
  if (options.check) {
    const problems = await checkLock(project.specs, client, current, { signal: io.signal });
    if (options.json) {
      io.stdout.write(`${JSON.stringify({ file, ok: problems.length === 0, problems })}\n`);
      if (problems.length > 0) throw new ExitCode(1);
      return;
    }
    if (problems.length === 0) {
      io.stdout.write(`${file} is up to date (${(await collectLockReferences(project.specs)).length} base images)\n`);
      return;
    }
    for (const problem of problems) {
      io.stdout.write(
        problem.problem === 'missing'
          ? `missing: ${problem.reference} has no entry in ${file}\n`
          : `stale: ${problem.reference} is locked at ${problem.locked}, the registry now serves ${problem.current}\n`,
      );
    }
    io.stderr.write(
      `error: ${file} is out of date (${problems.length} problem${problems.length === 1 ? '' : 's'}). Run \`imagespec lock\` and commit the file.\n`,
    );
    throw new ExitCode(1);
  }
  const next = await computeLock(project.specs, client, current, { signal: io.signal });
  await writeLockFile(project.config.dir, next);
  const images = (await collectLockReferences(project.specs)).map((reference) => {
    const before = current.images[reference]?.digest;
    const digest = next.images[reference]?.digest;
    return { reference, digest, status: before === digest ? 'kept' : before ? 'updated' : 'locked' };
  });
  if (options.json) {
    io.stdout.write(`${JSON.stringify({ file, images })}\n`);
    return;
  }
  for (const { reference, digest, status } of images) io.stdout.write(`${status}: ${reference}@${digest}\n`);
  io.stdout.write(`wrote ${file}\n`);
}
