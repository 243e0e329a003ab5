import type {
  Availability,
  Builder,
  BuilderHost,
  BuildPlan,
  BuildRequest,
  BuildResult,
  DockerfileDialect,
  ResolvedImageSpec,
} from '@imagespec/core/builder';
import { ImagespecError } from '@imagespec/core/builder';
import type Docker from 'dockerode';
import { describeConnection, dockerodeOptions, type EngineConnection, resolveConnection } from './connection.js';
import { daemonMessage, isConnectionError, registryErrorCode, sessionLost, unreachable } from './engine-errors.js';
import { type EngineInfo, pingEngine, readEngineInfo } from './engine-info.js';
import { fromRegistryHosts, registryHost } from './image-name.js';
import { discardUntagged, tagImage } from './image-tag.js';
import type { DockerBuilderOptions } from './options.js';
import { type BuildOutcome, followBuildStream } from './progress/build-stream.js';
import { pushImage } from './push.js';
import { pushError } from './push-errors.js';
import { engineAuthFor } from './registry-auth.js';
import { runSessionBuild, SESSION_QUERY } from './session/session-build.js';
import { runVerify } from './verify.js';

const PING_TIMEOUT_MS = 3000;
const PUSH_BACKOFF_MS = 1000;

/** The docker builder: one engine connection per run, BuildKit or classic per the engine. */
export class DockerBuilder implements Builder {
  readonly #options: DockerBuilderOptions;
  readonly #host: BuilderHost;
  #docker: Promise<{ docker: Docker; connection: EngineConnection }> | undefined;
  #engine: Promise<EngineInfo> | undefined;
  /** Whether the engine has BuildKit, once known (for the synchronous `supports`). */
  #knownBuildkit: boolean | undefined;

  constructor(options: DockerBuilderOptions, host: BuilderHost) {
    this.#options = options;
    this.#host = host;
  }

  async available(): Promise<Availability> {
    let engine = 'the Docker engine';
    let timeout: AbortSignal | undefined;
    try {
      const { docker, connection } = await this.#client();
      engine = describeConnection(connection);
      // Timed from here: loading dockerode is not the engine's answer time (five CLIs
      // starting at once on two cores took over 3 s to get this far).
      timeout = AbortSignal.timeout(PING_TIMEOUT_MS);
      await pingEngine(docker, timeout);
      const info = await this.#engineInfo();
      if (this.#options.buildkit === true && !info.buildkit) {
        return {
          ok: false,
          reason: `the engine at ${engine} (API ${info.apiVersion}, ${info.os}) has no BuildKit, and buildkit: true is set`,
        };
      }
      return { ok: true };
    } catch (error) {
      this.#engine = undefined;
      const why = timeout?.aborted ? `no answer within ${PING_TIMEOUT_MS / 1000} s` : daemonMessage(error);
      return { ok: false, reason: `no Docker engine answers at ${engine}: ${why}` };
    }
  }

  supports(spec: ResolvedImageSpec): Availability {
    if (spec.pipSecretMounts.length > 0) {
      // Secrets reach a RUN only through a BuildKit session that serves them (ours does);
      // sent any other way they would end up in a layer, the history or a log.
      const why =
        this.#options.buildkit === false
          ? 'the docker builder has buildkit: false'
          : this.#options.contextTransport === 'tar'
            ? "the docker builder has contextTransport: 'tar' (the secrets are served by the build's own session)"
            : this.#knownBuildkit === false
              ? 'the engine has no BuildKit'
              : undefined;
      if (why) {
        return {
          ok: false,
          reason: `pipSecretMounts need BuildKit with the build's session, and ${why}; use BuildKit (buildkit: 'auto', contextTransport: 'auto') or the buildkit builder (@imagespec/builder-buildkit)`,
        };
      }
    }
    if (spec.platforms.length > 1) {
      return {
        ok: false,
        reason: `${spec.platforms.length} platforms (${spec.platforms.join(', ')}): the engine builds one platform per image; use the buildkit builder for multi-platform images`,
      };
    }
    return { ok: true };
  }

  async plan(request: BuildRequest): Promise<BuildPlan> {
    const { connection } = await this.#client();
    const dialect = await this.#dialect();
    return {
      engine: describeConnection(connection),
      api: 'POST /build',
      dialect,
      query: {
        ...this.#buildQuery(request, dialect),
        ...(this.#usesSession(request, dialect) && SESSION_QUERY),
      },
      dockerfile: request.dockerfile(dialect),
      verify: request.spec.verify,
      // The build has no `t`: the image is named only after verify passed.
      tag: request.image,
      push: request.push ? request.image : false,
    };
  }

  /** True when the local engine has the image: the existence check for specs without a registry. */
  async exists(image: string, _options?: { signal?: AbortSignal }): Promise<boolean> {
    const { docker, connection } = await this.#client();
    try {
      await docker.getImage(image).inspect();
      return true;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return false;
      if (isConnectionError(error)) throw unreachable(describeConnection(connection), error);
      throw new ImagespecError(
        'DAEMON_ERROR',
        `The Docker engine could not inspect ${image}: ${daemonMessage(error)}.`,
        { cause: error },
      );
    }
  }

  async build(request: BuildRequest): Promise<BuildResult> {
    const unsupported = this.supports(request.spec);
    if (!unsupported.ok)
      throw new ImagespecError(
        'BUILDER_UNSUPPORTED',
        `The docker builder cannot build ${request.image}: ${unsupported.reason}.`,
      );
    const signals = [
      request.signal,
      ...(this.#options.timeoutMs ? [AbortSignal.timeout(this.#options.timeoutMs)] : []),
    ];
    const signal = AbortSignal.any(signals);
    const { docker, connection } = await this.#client();
    const engine = describeConnection(connection);
    let untagged: string | undefined;
    try {
      const dialect = await this.#dialect();
      const imageId = await this.#runBuild(docker, request, dialect, signal);
      untagged = imageId;
      const failure = await runVerify(docker, imageId, request.spec.verify, {
        network: this.#options.network,
        signal,
        emit: (event) => request.events.emit(event),
      });
      if (failure) {
        throw new ImagespecError(
          'VERIFY_FAILED',
          `Verify command \`${failure.command}\` exited with ${failure.exitCode} in ${request.image}; nothing was pushed.${formatOutput(failure.output)}`,
          { hint: 'Fix the image (packages, commands) or the verify command in the spec.', details: { ...failure } },
        );
      }
      signal.throwIfAborted();
      await tagImage(docker, imageId, request.image);
      untagged = undefined;
      if (!request.push) return { image: request.image, digest: imageId, pushed: false };
      return await this.#push(docker, request, signal);
    } catch (error) {
      // Built but not tagged (verify failed, cancelled during verify): the image is nobody's.
      if (untagged) await discardUntagged(docker, untagged);
      if (signal.aborted) throw this.#abortError(request, signal, error);
      if (error instanceof ImagespecError || (error as { name?: string }).name === 'ImagespecError') throw error;
      if (isConnectionError(error)) throw unreachable(engine, error);
      throw new ImagespecError(
        'DAEMON_ERROR',
        `The Docker engine at ${engine} failed building ${request.image}: ${daemonMessage(error)}.`,
        { cause: error },
      );
    }
  }

  async dispose(): Promise<void> {
    this.#docker = undefined;
    this.#engine = undefined;
  }

  async #runBuild(
    docker: Docker,
    request: BuildRequest,
    dialect: DockerfileDialect,
    signal: AbortSignal,
  ): Promise<string> {
    if (this.#usesSession(request, dialect)) {
      try {
        const query = this.#buildQuery(request, dialect);
        const outcome = await runSessionBuild(docker, request, { query, host: this.#host, signal });
        return await this.#builtImage(docker, request, outcome, signal);
      } catch (error) {
        if (signal.aborted || request.secrets.length > 0 || !sessionLost(error)) throw error;
        // Seen with 5 builds of one spec at once (dockerd 20.10, BuildKit 0.8): a build's
        // file sync is cut when another build of the same content ends ("transport is
        // closing"); a build with the context in the request has no such session to lose.
        request.events.emit({
          type: 'log',
          stream: 'stderr',
          line: `the engine lost this build's session (${(error as ImagespecError).details?.daemonMessage}); building again with the context sent as a tar`,
        });
      }
    }
    if (request.secrets.length > 0) {
      throw new ImagespecError(
        'BUILDER_UNSUPPORTED',
        `The docker builder cannot serve the secrets of ${request.image} (${request.secrets.map((s) => s.id).join(', ')}): they need a BuildKit build through its own session, and this one ${dialect === 'buildkit' ? 'has no context entries from core (an older @imagespec/core)' : 'uses the classic builder'}.`,
        { hint: 'Update @imagespec/core and @imagespec/builder-docker together, or use the buildkit builder.' },
      );
    }
    const dockerfile = request.dockerfile(dialect);
    const auth = await engineAuthFor(this.#host.registries, fromRegistryHosts(dockerfile));
    const credentials = Object.values(auth);
    if (dialect === 'buildkit' && credentials.length > 1) {
      this.#host.logger.warn(
        `BuildKit through the engine API with a tar context takes one credential: using ${credentials[0]?.serveraddress}'s for every base image`,
      );
    }
    const stream = (await docker.buildImage(request.context({ dialect }), {
      ...this.#buildQuery(request, dialect),
      // Classic: per-host credentials in X-Registry-Config. BuildKit: dockerode's session answers with one.
      registryconfig: auth,
      ...(dialect === 'buildkit' && credentials[0] && { authconfig: credentials[0] }),
      abortSignal: signal,
    } as Docker.ImageBuildOptions)) as NodeJS.ReadableStream;
    const outcome = await followBuildStream(stream, (event) => request.events.emit(event));
    // dockerode closes its BuildKit session on the stream's `end`, which an aborted or
    // guarded stream never emits: without this the session socket stays open.
    if (!(stream as { readableEnded?: boolean }).readableEnded) stream.emit('end');
    return this.#builtImage(docker, request, outcome, signal);
  }

  /** BuildKit with the context served through the session's file sync, when core lists the context's entries. */
  #usesSession(request: BuildRequest, dialect: DockerfileDialect): boolean {
    return dialect === 'buildkit' && this.#options.contextTransport === 'auto' && request.contextEntries !== undefined;
  }

  /** The image id a build stream ended with, or the error it means. */
  async #builtImage(
    docker: Docker,
    request: BuildRequest,
    outcome: BuildOutcome,
    signal: AbortSignal,
  ): Promise<string> {
    if (signal.aborted || outcome.streamError) {
      await this.#removeContainers(docker, outcome.containers);
      if (signal.aborted) throw signal.reason;
      throw outcome.streamError;
    }
    if (outcome.error) throw buildFailed(request.image, outcome.error);
    if (!outcome.imageId) {
      throw new ImagespecError(
        'DAEMON_ERROR',
        `The Docker engine ended the build of ${request.image} without an image id or an error.`,
        {
          hint: 'Check the engine log; the connection may have been cut.',
        },
      );
    }
    return outcome.imageId;
  }

  async #push(docker: Docker, request: BuildRequest, signal: AbortSignal): Promise<BuildResult> {
    const host = registryHost(request.image);
    const auth = (await engineAuthFor(this.#host.registries, [host]))[host];
    const step = { type: 'step', id: 'push', name: `push ${request.image}` } as const;
    request.events.emit({ ...step, status: 'started' });
    const { pushIdleTimeoutMs: idleTimeoutMs, pushRetries: retries } = this.#options;
    const pushed = await pushImage(docker, request.image, auth, {
      signal,
      emit: (event) => request.events.emit(event),
      policy: { idleTimeoutMs, retries, backoffMs: PUSH_BACKOFF_MS },
    });
    if (!pushed.ok) {
      request.events.emit({ ...step, status: 'error', error: pushed.error });
      throw pushError(request.image, host, pushed, { hasCredentials: auth !== undefined, idleTimeoutMs });
    }
    request.events.emit({ ...step, status: 'done' });
    return { image: request.image, pushed: true, ...(pushed.digest && { digest: pushed.digest }) };
  }

  #buildQuery(request: BuildRequest, dialect: DockerfileDialect): Record<string, unknown> {
    const options = this.#options;
    const platform = request.platforms[0];
    return {
      version: dialect === 'buildkit' ? '2' : '1',
      rm: true,
      forcerm: true,
      ...(options.network !== 'default' && { networkmode: options.network }),
      ...(Object.keys(options.buildArgs).length > 0 && { buildargs: options.buildArgs }),
      ...(Object.keys(options.labels).length > 0 && { labels: options.labels }),
      ...(options.target && { target: options.target }),
      ...(options.pull && { pull: true }),
      ...(platform && { platform }),
    };
  }

  #abortError(request: BuildRequest, signal: AbortSignal, cause: unknown): ImagespecError {
    if ((signal.reason as { name?: string } | undefined)?.name === 'TimeoutError' && !request.signal.aborted) {
      return new ImagespecError(
        'TIMEOUT',
        `Building ${request.image} took longer than ${this.#options.timeoutMs} ms (the docker builder's timeoutMs); the build was stopped.`,
        {
          hint: "Raise timeoutMs in the docker builder's options.",
          cause,
        },
      );
    }
    return new ImagespecError(
      'CANCELLED',
      `The build of ${request.image} was cancelled; the engine stopped it and nothing was pushed.`,
      { cause },
    );
  }

  #client(): Promise<{ docker: Docker; connection: EngineConnection }> {
    this.#docker ??= (async () => {
      const connection = resolveConnection(this.#options, this.#host.env, this.#host.cwd);
      const { default: Dockerode } = await import('dockerode');
      return { docker: new Dockerode(await dockerodeOptions(connection)), connection };
    })();
    return this.#docker;
  }

  #engineInfo(): Promise<EngineInfo> {
    this.#engine ??= this.#client()
      .then(({ docker }) => readEngineInfo(docker))
      .then((info) => {
        this.#knownBuildkit = info.buildkit;
        return info;
      });
    return this.#engine;
  }

  async #dialect(): Promise<DockerfileDialect> {
    if (this.#options.buildkit === false) return 'plain';
    const info = await this.#engineInfo();
    if (info.buildkit) return 'buildkit';
    if (this.#options.buildkit === true) {
      throw new ImagespecError(
        'BUILDER_UNSUPPORTED',
        `The Docker engine (API ${info.apiVersion}, ${info.os}) has no BuildKit, and the docker builder has buildkit: true.`,
        {
          hint: "Set buildkit: 'auto' or false in the docker builder's options, or use an engine with BuildKit.",
        },
      );
    }
    return 'plain';
  }

  async #removeContainers(docker: Docker, ids: readonly string[]): Promise<void> {
    await Promise.all(
      ids.map((id) =>
        docker
          .getContainer(id)
          .remove({ force: true })
          .catch(() => undefined),
      ),
    );
  }
}

function buildFailed(
  image: string,
  error: { message: string; step?: string; output: readonly string[] },
): ImagespecError {
  const where = error.step ? ` at step ${error.step}` : '';
  const pull = /^\[?\d*\/?\d*\]? ?FROM |load metadata|pull access denied|manifest unknown|not found: manifest/i.test(
    `${error.step ?? ''} ${error.message}`,
  );
  const code = pull ? registryErrorCode(error.message, 'PULL_FAILED') : 'BUILD_FAILED';
  return new ImagespecError(code, `Building ${image} failed${where}: ${error.message}.${formatOutput(error.output)}`, {
    hint: pull
      ? 'Check that the base image exists and that its registry is reachable with the configured credentials.'
      : 'Fix the failing step in the spec; its output is above.',
    details: { ...(error.step && { step: error.step }), daemonMessage: error.message, output: error.output },
  });
}

function formatOutput(lines: readonly string[]): string {
  return lines.length === 0 ? '' : `\nLast output:\n${lines.map((line) => `  ${line}`).join('\n')}`;
}
