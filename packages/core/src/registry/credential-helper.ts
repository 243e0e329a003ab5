import type { RegistryCredentials } from '../contract/builder.js';
import { ImagespecError } from '../errors.js';

/** What running a program gave: exit code (null when killed), stdout, stderr. */
export interface ExecResult {
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Set when the program could not be started (ENOENT: not on PATH). */
  readonly spawnError?: NodeJS.ErrnoException;
  readonly timedOut?: boolean;
}

/** Runs `program args` with `input` on stdin. Injected in tests; the default spawns the real program. */
export type Exec = (
  program: string,
  args: readonly string[],
  options: { input: string; env: Readonly<Record<string, string | undefined>>; timeoutMs: number },
) => Promise<ExecResult>;

export const execProgram: Exec = (program, args, options) =>
  new Promise((resolve) => {
    // Loaded here, not at import: node:child_process (with net and dgram) slows every CLI start.
    const child = process
      .getBuiltinModule('node:child_process')
      .spawn(program, [...args], { env: options.env as NodeJS.ProcessEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    // A helper that exits before reading stdin makes the write fail with EPIPE: its exit code says more.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input);
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ exitCode: null, stdout, stderr, spawnError: error });
    });
    child.on('close', (exitCode) => {
      clearTimeout(timer);
      resolve({ exitCode, stdout, stderr, ...(timedOut && { timedOut }) });
    });
  });

/** Helpers say this (on stdout, exit 1) when they hold nothing for the server: docker-credential-helpers' `ErrCredentialsNotFound`. */
const NOT_FOUND = /credentials not found/i;
/** Docker's marker for an identity token in place of a username. */
const TOKEN_USERNAME = '<token>';

/**
 * `docker-credential-<helper> get` with the server URL on stdin, as the Docker CLI runs it:
 * `{"ServerURL","Username","Secret"}` on stdout; "credentials not found" means none.
 */
export async function runCredentialHelper(
  helper: string,
  serverUrl: string,
  options: { exec: Exec; env: Readonly<Record<string, string | undefined>>; timeoutMs: number },
): Promise<RegistryCredentials | undefined> {
  const program = `docker-credential-${helper}`;
  const result = await options.exec(program, ['get'], {
    input: serverUrl,
    env: options.env,
    timeoutMs: options.timeoutMs,
  });
  const fail = (problem: string, hint: string): never => {
    throw new ImagespecError(
      'CREDENTIALS_FAILED',
      `The credential helper ${program} failed for ${serverUrl}: ${problem}`,
      {
        hint,
        details: { helper: program, server: serverUrl, exitCode: result.exitCode, stderr: result.stderr.trim() },
      },
    );
  };
  if (result.spawnError) {
    return fail(
      result.spawnError.code === 'ENOENT' ? 'it is not on PATH.' : result.spawnError.message,
      `Install ${program}, or remove "${helper}" from credsStore/credHelpers in your Docker config.`,
    );
  }
  if (result.timedOut) {
    return fail(
      `it gave no answer within ${options.timeoutMs / 1000} s.`,
      `Check that ${program} does not wait for a prompt or a locked keychain.`,
    );
  }
  if (result.exitCode !== 0) {
    if (NOT_FOUND.test(result.stdout) || NOT_FOUND.test(result.stderr)) return undefined;
    const words = (result.stderr.trim() || result.stdout.trim() || '(no output)').replace(/\s+/g, ' ');
    return fail(
      `exit code ${result.exitCode}: ${words}`,
      `Run \`echo ${serverUrl} | ${program} get\` to see the helper's own error.`,
    );
  }
  let parsed: { Username?: unknown; Secret?: unknown };
  try {
    parsed = JSON.parse(result.stdout) as typeof parsed;
  } catch {
    return fail('its output is not JSON.', `Run \`echo ${serverUrl} | ${program} get\` and check what it prints.`);
  }
  if (typeof parsed?.Secret !== 'string' || parsed.Secret === '') return undefined;
  const username = typeof parsed.Username === 'string' ? parsed.Username : '';
  if (username === TOKEN_USERNAME) return { identityToken: parsed.Secret };
  return { username, password: parsed.Secret };
}
