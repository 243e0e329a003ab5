import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Installs Debian packages the suite needs when their command is missing. Only on Debian
 * as root; elsewhere it says what to install and stops, so a laptop is never changed.
 */
export function ensureAptPackages(wanted: Record<string, string>, log: (line: string) => void): void {
  const missing = Object.entries(wanted)
    .filter(([command]) => !commandExists(command))
    .map(([, pkg]) => pkg);
  if (missing.length === 0) return;
  const canInstall = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
  if (!canInstall) {
    throw new Error(
      `The test environment needs ${missing.join(', ')} (Debian package names), which are not installed. ` +
        `Install them with your package manager, or run the suite as root on Debian so it can install them itself.`,
    );
  }
  log(`installing ${missing.join(' ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { env, stdio: 'inherit' });
  if (update.status !== 0) throw new Error(`apt-get update failed (exit ${update.status}); see its output above.`);
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...new Set(missing)], {
    env,
    stdio: 'inherit',
  });
}

export function commandExists(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}
