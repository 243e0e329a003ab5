import type { BuilderEvent } from '@imagespec/core/builder';
import type { EngineClient } from './engine-client.js';

export interface VerifyOutcome {
  readonly command: string;
  readonly exitCode: number;
  readonly output: readonly string[];
}

const TAIL = 20;

/**
 * Runs each verify command in a fresh container of the image (already pulled: by digest,
 * before any tag exists), `/bin/sh -c` with the entrypoint cleared, as the docker
 * builder does; stops at the first failure. Each container is removed on every path.
 */
export async function runVerify(
  engine: EngineClient,
  image: string,
  commands: readonly string[],
  options: { network: string; signal: AbortSignal; emit: (event: BuilderEvent) => void },
): Promise<VerifyOutcome | undefined> {
  for (const [index, command] of commands.entries()) {
    const id = `verify-${index + 1}`;
    const name = `verify ${index + 1}/${commands.length}: ${command}`;
    options.emit({ type: 'step', id, name, status: 'started' });
    const { exitCode, output } = await runOne(engine, image, command, options);
    for (const line of output) options.emit({ type: 'log', stream: 'stdout', line, step: id });
    if (exitCode !== 0) {
      options.emit({ type: 'step', id, name, status: 'error', error: `exit code ${exitCode}` });
      return { command, exitCode, output: output.slice(-TAIL) };
    }
    options.emit({ type: 'step', id, name, status: 'done' });
  }
  return undefined;
}

async function runOne(
  engine: EngineClient,
  image: string,
  command: string,
  options: { network: string; signal: AbortSignal },
): Promise<{ exitCode: number; output: string[] }> {
  const { signal } = options;
  const created = await engine.json(
    'POST',
    '/containers/create',
    {
      Image: image,
      Entrypoint: ['/bin/sh', '-c'],
      Cmd: [command],
      Tty: false,
      Labels: { 'dev.imagespec.verify': 'true' },
      HostConfig: options.network === 'default' ? {} : { NetworkMode: options.network },
    },
    signal,
  );
  const id = created.Id as string;
  try {
    await engine.json('POST', `/containers/${id}/start`, undefined, signal);
    const waited = await engine.json('POST', `/containers/${id}/wait`, undefined, signal);
    const output = await engine.logs(id, signal);
    return { exitCode: Number(waited.StatusCode ?? -1), output };
  } finally {
    // Not under the run's signal: a cancelled run still removes its container.
    await engine
      .json('DELETE', `/containers/${id}?force=1`, undefined, AbortSignal.timeout(10_000))
      .catch(() => undefined);
  }
}
