import type { BuilderEvent, VerifyFailure } from '@imagespec/core/builder';
import type Docker from 'dockerode';
import { StepOutput } from './progress/step-output.js';

/**
 * Runs each verify command in a fresh container of the built image (`sh -c`, entrypoint
 * cleared), in order, stopping at the first failure. Containers are auto-removed by the
 * daemon and force-removed here on every path, abort included.
 */
export async function runVerify(
  docker: Docker,
  imageId: string,
  commands: readonly string[],
  options: { network: string; signal: AbortSignal; emit: (event: BuilderEvent) => void },
): Promise<VerifyFailure | undefined> {
  for (const [index, command] of commands.entries()) {
    const id = `verify-${index + 1}`;
    const name = `verify ${index + 1}/${commands.length}: ${command}`;
    options.emit({ type: 'step', id, name, status: 'started' });
    const output = new StepOutput(options.emit);
    const exitCode = await runOne(docker, imageId, command, id, output, options);
    output.flush();
    if (exitCode !== 0) {
      options.emit({ type: 'step', id, name, status: 'error', error: `exit code ${exitCode}` });
      return { command, exitCode, output: output.tail(id) };
    }
    options.emit({ type: 'step', id, name, status: 'done' });
  }
  return undefined;
}

async function runOne(
  docker: Docker,
  imageId: string,
  command: string,
  step: string,
  output: StepOutput,
  options: { network: string; signal: AbortSignal },
): Promise<number> {
  options.signal.throwIfAborted();
  const container = await docker.createContainer({
    Image: imageId,
    Entrypoint: ['/bin/sh', '-c'],
    Cmd: [command],
    Tty: false,
    AttachStdout: true,
    AttachStderr: true,
    Labels: { 'dev.imagespec.verify': 'true' },
    HostConfig: { AutoRemove: true, NetworkMode: options.network },
  });
  const remove = () => container.remove({ force: true }).catch(() => undefined);
  options.signal.addEventListener('abort', remove, { once: true });
  try {
    const stream = await container.attach({ stream: true, stdout: true, stderr: true, abortSignal: options.signal });
    const done = new Promise<void>((resolve) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', () => resolve());
    });
    docker.modem.demuxStream(
      stream,
      { write: (chunk: Buffer) => output.write(step, 'stdout', chunk.toString()) } as NodeJS.WritableStream,
      { write: (chunk: Buffer) => output.write(step, 'stderr', chunk.toString()) } as NodeJS.WritableStream,
    );
    // Ask for the exit code before starting, so an auto-removed container cannot exit unseen.
    // No abortSignal: docker-modem ties it to the response of a non-stream call without an
    // error listener, so an abort while waiting was an uncaught error. On abort the container
    // is removed, which ends the wait.
    const wait = container.wait({ condition: 'next-exit' }) as Promise<{ StatusCode: number }>;
    await container.start();
    const [{ StatusCode }] = await Promise.all([wait, done]);
    options.signal.throwIfAborted();
    return StatusCode;
  } finally {
    options.signal.removeEventListener('abort', remove);
    await remove();
  }
}
