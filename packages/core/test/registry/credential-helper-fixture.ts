import { chmod, readFile, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

/**
 * Writes a real `docker-credential-imagespec-test` executable that follows the credential
 * helper protocol (`get`, server URL on stdin, `{ServerURL,Username,Secret}` on stdout,
 * "credentials not found in native keychain" and exit 1 when it holds nothing), serving the
 * entries given here. Every call is appended to `calls.log` so tests can count them.
 */
export interface HelperEntry {
  readonly Username?: string;
  readonly Secret?: string;
  /** Fail like a broken keychain: this on stderr, with this exit code. */
  readonly fail?: { readonly stderr: string; readonly exitCode: number };
}

export const TEST_HELPER = 'imagespec-test';

export async function installCredentialHelper(
  dir: string,
  entries: Record<string, HelperEntry>,
): Promise<{ env: Record<string, string>; calls(): Promise<string[]> }> {
  const program = join(dir, `docker-credential-${TEST_HELPER}`);
  const log = join(dir, 'calls.log');
  await writeFile(
    program,
    `#!/usr/bin/env node
const fs = require('node:fs');
const entries = ${JSON.stringify(entries)};
const action = process.argv[2];
const server = fs.readFileSync(0, 'utf8').trim();
fs.appendFileSync(${JSON.stringify(log)}, action + ' ' + server + '\\n');
if (action !== 'get') { process.stderr.write('unsupported action ' + action + '\\n'); process.exit(1); }
const entry = entries[server];
if (!entry) { process.stdout.write('credentials not found in native keychain\\n'); process.exit(1); }
if (entry.fail) { process.stderr.write(entry.fail.stderr + '\\n'); process.exit(entry.fail.exitCode); }
process.stdout.write(JSON.stringify({ ServerURL: server, Username: entry.Username, Secret: entry.Secret }) + '\\n');
`,
  );
  await chmod(program, 0o755);
  await writeFile(log, '');
  return {
    env: { ...(process.env as Record<string, string>), PATH: `${dir}${delimiter}${process.env.PATH ?? ''}` },
    calls: async () => (await readFile(log, 'utf8')).split('\n').filter(Boolean),
  };
}
