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
import { ImagespecError, isImagespecError, verifyFailedError } from '@imagespec/core/builder';
import type Docker from 'dockerode';
import { builtImage } from './built-image.js';
import { describeConnection, dockerodeOptions, type EngineConnection, resolveConnection } from './connection.js';
import { daemonMessage, isConnectionError, sessionLost, unreachable } from './engine-errors.js';
import { type EngineInfo, pingEngine, readEngineInfo } from './engine-info.js';
import { discardUntagged, tagImage } from './image-tag.js';
import type { DockerBuilderOptions } from './options.js';
import { pushBuiltImage } from './push.js';
import { runSessionBuild, SESSION_QUERY } from './session/session-build.js';
import { runTarBuild } from './tar-build.js';
import { runVerify } from './verify.js';

const PING_TIMEOUT_MS = 3000;

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
      if (failure) throw verifyFailedError(request.image, failure);
      signal.throwIfAborted();
      await tagImage(docker, imageId, request.image);
      untagged = undefined;
      if (!request.push) return { image: request.image, digest: imageId, pushed: false };
      const { pushIdleTimeoutMs: idleTimeoutMs, pushRetries: retries } = this.#options;
      return await pushBuiltImage(docker, request, {
        registries: this.#host.registries,
        idleTimeoutMs,
        retries,
        signal,
      });
    } catch (error) {
      // Built but not tagged (verify failed, cancelled during verify): the image is nobody's.
      if (untagged) await discardUntagged(docker, untagged);
      if (signal.aborted) throw this.#abortError(request, signal, error);
      if (isImagespecError(error)) throw error;
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
    const options = { query: this.#buildQuery(request, dialect), host: this.#host, signal };
    if (this.#usesSession(request, dialect)) {
      try {
        return await builtImage(docker, request.image, await runSessionBuild(docker, request, options), signal);
      } catch (error) {
        if (signal.aborted || request.secrets.length > 0 || !sessionLost(error)) throw error;
        // The session answers BuildKit's health checks, so the engine should not drop it;
        // if it does anyway (a dockerd restart, a cut connection), a build with the context
        // in the request has no session to lose.
        const details = (error as ImagespecError).details;
        const when =
          typeof details?.sessionLostAfterMs === 'number'
            ? `; the engine closed the session's connection ${details.sessionLostAfterMs} ms after it opened`
            : '';
        request.events.emit({
          type: 'log',
          stream: 'stderr',
          line: `the engine lost this build's session (${details?.daemonMessage}${when}); building again with the context sent as a tar`,
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
    // A spec's own Dockerfile rides in the tar beside the context's files (dockerfilePath),
    // listed in the tar's .dockerignore: the classic builder drops it there, BuildKit applies
    // no .dockerignore to a tar and a `COPY . .` would ship it. So such a tar build is classic.
    const tarDialect = request.spec.dockerfile ? 'plain' : dialect;
    const tarOptions = {
      ...options,
      query: { ...this.#buildQuery(request, tarDialect), dockerfile: request.dockerfilePath ?? 'Dockerfile' },
    };
    return builtImage(docker, request.image, await runTarBuild(docker, request, tarDialect, tarOptions), signal);
  }

  /** BuildKit with the context served through the session's file sync, when core lists the context's entries. */
  #usesSession(request: BuildRequest, dialect: DockerfileDialect): boolean {
    return dialect === 'buildkit' && this.#options.contextTransport === 'auto' && request.contextEntries !== undefined;
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
}
