import { access, constants, copyFile, mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type {
  Availability,
  Builder,
  BuilderHost,
  BuildPlan,
  BuildRequest,
  BuildResult,
  ResolvedImageSpec,
} from '@imagespec/core/builder';
import { ImagespecError, isImagespecError, renderVerifyStage, verifyFailedError } from '@imagespec/core/builder';
import {
  type BuildctlInvocation,
  type BuildctlOutput,
  registryCacheRef,
  registryHost,
  registryRefs,
  renderBuildArgv,
  renderProbeArgv,
} from './argv.js';
import { collectCredentials, writeDockerConfig } from './docker-config.js';
import { buildctlWords, classifyDaemonText, interpretBuildctlFailure } from './errors.js';
import { extractTar } from './extract.js';
import { readBuildMetadata } from './metadata.js';
import { type BuildkitOptions, type ResolvedBuildkitOptions, resolveBuildkitOptions } from './options.js';
import { createRawJsonParser } from './progress.js';
import { runBuildctl } from './run-buildctl.js';
import { findVerifyFailure } from './verify-failure.js';

/** What a buildkit build returns: the core result, plus where the OCI tarball went when nothing was pushed. */
export interface BuildkitBuildResult extends BuildResult {
  readonly ociTarball?: string;
}

const PLAN_TEMP = '<temp>';

/** The adapter: core's build request -> one `buildctl build` process -> events and a result. */
export function createBuildkitBuilder(input: BuildkitOptions, host: BuilderHost): Builder {
  const options = resolveBuildkitOptions(input, host);
  const log = host.logger;

  function output(request: BuildRequest): BuildctlOutput {
    if (request.push) return { type: 'push' };
    if (options.ociDir)
      return { type: 'oci', dest: join(options.ociDir, `${request.image.replace(/[^\w.-]+/g, '_')}.oci.tar`) };
    throw new ImagespecError(
      'BUILDER_UNSUPPORTED',
      `Not building ${request.image} on buildkitd at ${options.addr}: the image is not pushed, and an unpushed image would stay inside the daemon where nothing can use it.`,
      {
        hint: 'Give the spec a registry and push, or set the buildkit builder option `ociDir` to receive an OCI tarball.',
        details: { image: request.image, addr: options.addr },
      },
    );
  }

  function invocation(
    request: BuildRequest,
    out: BuildctlOutput,
    paths: BuildctlInvocation['paths'],
    localCacheExists: boolean,
  ): BuildctlInvocation {
    return {
      image: request.image,
      output: out,
      platforms: request.platforms,
      secrets: request.secrets,
      paths,
      filename: dockerfileName(request),
      insecure: (registry) => host.registries.insecure(registry),
      localCacheExists,
      ...(verifies(request) && { solve: 'image' as const }),
    };
  }

  /** One `buildctl build`, its progress turned into events as it comes. */
  async function solve(
    request: BuildRequest,
    call: BuildctlInvocation,
    env: Record<string, string | undefined>,
    deadline: number | undefined,
  ) {
    const argv = renderBuildArgv(options, call);
    log.debug(`${options.buildctl} ${argv.join(' ')}`);
    const parser = createRawJsonParser();
    const run = await runBuildctl(options.buildctl, argv, {
      env,
      signal: request.signal,
      timeoutMs: deadline === undefined ? 0 : Math.max(1, deadline - Date.now()),
      graceMs: options.cancelGraceMs,
      onStderrLine: (line) => {
        for (const event of parser.line(line)) request.events.emit(event);
      },
    });
    for (const event of parser.end()) request.events.emit(event);
    return { run, parser, failed: run.exitCode !== 0 || run.canceled || run.timedOut };
  }

  function buildctlFailure(request: BuildRequest, { run, parser }: Awaited<ReturnType<typeof solve>>) {
    return interpretBuildctlFailure({
      image: request.image,
      addr: options.addr,
      buildctl: options.buildctl,
      ...(run.exitCode !== undefined && { exitCode: run.exitCode }),
      ...(run.signal !== undefined && { signal: run.signal }),
      timedOut: run.timedOut,
      timeoutMs: options.timeoutMs,
      canceled: run.canceled,
      ...(run.spawnError && { spawnError: run.spawnError }),
      stderrTail: parser.plainTail,
      failedSteps: parser.failedSteps,
      logTail: parser.logTail,
    });
  }

  return {
    async available(): Promise<Availability> {
      const tlsProblem = await checkTlsFiles(options);
      if (tlsProblem) return { ok: false, reason: tlsProblem };
      const run = await runBuildctl(options.buildctl, renderProbeArgv(options), {
        env: host.env,
        timeoutMs: options.probeTimeoutMs,
        graceMs: 1_000,
        collectStderr: true,
      });
      if (run.spawnError) {
        return {
          ok: false,
          reason:
            run.spawnError.code === 'ENOENT'
              ? `buildctl not found ("${options.buildctl}"${options.buildctl.includes('/') ? '' : ' on PATH'})`
              : `cannot run buildctl ("${options.buildctl}"): ${run.spawnError.message}`,
        };
      }
      const where = `buildkitd at ${options.addr} (${describeAddrSource(options)})`;
      if (run.timedOut) {
        return {
          ok: false,
          reason: `${where} did not answer \`buildctl debug workers\` within ${options.probeTimeoutMs} ms`,
        };
      }
      if (run.exitCode !== 0) {
        const words = buildctlWords(run.stderr) || `buildctl exited with ${run.exitCode ?? run.signal}`;
        const kind = classifyDaemonText(words);
        const prefix = kind === 'tls' ? 'TLS failed with' : kind === 'unreachable' ? 'cannot reach' : 'error from';
        return { ok: false, reason: `${prefix} ${where}: ${words}` };
      }
      // The table has a header line, then one line per worker.
      const workers = run.stdout.split('\n').filter((line) => line.trim() !== '');
      if (workers.length < 2) return { ok: false, reason: `${where} has no workers` };
      return { ok: true };
    },

    supports(spec: ResolvedImageSpec): Availability {
      if (!spec.registry && !options.ociDir) {
        return {
          ok: false,
          reason:
            'the spec has no registry: a remote BuildKit build must push (or set the builder option `ociDir` for an OCI tarball)',
        };
      }
      return { ok: true };
    },

    /** What build() runs, computed without the daemon (no buildctl call): --dry-run needs none. */
    plan(request: BuildRequest): BuildPlan {
      const out = output(request);
      const paths = planPaths(PLAN_TEMP);
      const call = invocation(request, staged(out, PLAN_TEMP), paths, false);
      return {
        builder: 'buildkit',
        addr: options.addr,
        command: options.buildctl,
        ...(verifies(request) && { verifyArgv: renderBuildArgv(options, { ...call, solve: 'verify' }) }),
        argv: renderBuildArgv(options, call),
        dockerfile: dockerfileOf(request),
        ...(out.type === 'oci' && { ociTarball: out.dest }),
      };
    },

    async build(request: BuildRequest): Promise<BuildkitBuildResult> {
      throwIfCancelled(request);
      const out = output(request);
      await checkInputs(request, options, host.env);
      const temp = await host.tempDir('imagespec-buildkit-');
      try {
        const paths = planPaths(temp.path);
        // The context alone, its ignore rules applied by core; the Dockerfile gets its own --local
        // folder, so the context's files never shadow it and a `COPY . .` never ships it.
        await extractTar(request.context({ dialect: 'buildkit', dockerfile: false }), paths.context, request.signal);
        await writeDockerfileFolder(paths.dockerfile, dockerfileName(request), dockerfileOf(request));
        const localCacheExists =
          options.cache?.type === 'local' && (await exists(join(options.cache.dir, 'index.json')));
        const call = invocation(request, staged(out, temp.path), paths, localCacheExists);
        if (options.cache?.type === 'registry' && !registryCacheRef(options, call)) {
          log.warn(
            `registry cache skipped for ${request.image}: the image is not pushed and the cache option names no ref`,
          );
        }
        const env = { ...host.env, ...(await dockerConfigEnv(request, call, temp.path)) };
        // timeoutMs limits the whole build: the verify solve and the push solve share it.
        const deadline = options.timeoutMs > 0 ? Date.now() + options.timeoutMs : undefined;
        if (verifies(request)) {
          // Solved first, in the same daemon: the image stage's steps are then cached for the push solve.
          const verify = await solve(request, { ...call, solve: 'verify' }, env, deadline);
          if (verify.failed) {
            const stopped = verify.run.canceled || verify.run.timedOut;
            const failure = stopped
              ? undefined
              : findVerifyFailure(verify.parser.failedSteps, request.spec.verify, verify.parser.logTail);
            throw failure
              ? verifyFailedError(request.image, failure, `buildkitd at ${options.addr}`)
              : buildctlFailure(request, verify);
          }
        }
        const image = await solve(request, call, env, deadline);
        if (image.failed) throw buildctlFailure(request, image);
        const metadata = await readBuildMetadata(paths.metadataFile);
        // buildctl creates the tarball before the solve: only a finished one leaves the temp folder.
        if (out.type === 'oci' && call.output.type === 'oci') await moveFile(call.output.dest, out.dest);
        return {
          image: request.image,
          ...(metadata?.digest && { digest: metadata.digest }),
          pushed: out.type === 'push',
          ...(out.type === 'oci' && { ociTarball: out.dest }),
        };
      } catch (error) {
        // An abort while unpacking the context or writing files surfaces as a platform AbortError.
        if (request.signal.aborted && !isImagespecError(error)) {
          throw new ImagespecError('CANCELLED', `Cancelled while preparing the build of ${request.image}.`, {
            cause: error,
          });
        }
        throw error;
      } finally {
        await temp.dispose();
      }
    },
  };

  async function dockerConfigEnv(request: BuildRequest, call: BuildctlInvocation, tempPath: string) {
    const hosts = [...registryRefs(options, call), ...(request.pulls ?? [request.baseImage])].map(registryHost);
    const credentials = await collectCredentials(host.registries, hosts);
    if (credentials.size === 0) return {};
    log.debug(`buildctl gets credentials for ${[...credentials.keys()].join(', ')}`);
    return { DOCKER_CONFIG: await writeDockerConfig(join(tempPath, 'docker-config'), credentials) };
  }
}

function verifies(request: BuildRequest): boolean {
  return request.spec.verify.length > 0;
}

/** The Dockerfile buildctl gets: with verify commands, the image stage plus the verify stage. */
function dockerfileOf(request: BuildRequest): string {
  return renderVerifyStage(request.dockerfile('buildkit'), request.spec);
}

/**
 * The Dockerfile's name for buildctl: the user's own for a spec that brings one (BuildKit's
 * messages then name the file the user knows, at its line numbers), else `Dockerfile`.
 */
function dockerfileName(request: BuildRequest): string {
  return request.spec.dockerfile ? basename(request.spec.dockerfile.path) : 'Dockerfile';
}

/**
 * Writes the Dockerfile, and beside it `<name>.dockerignore`, which BuildKit's Dockerfile
 * frontend reads instead of the context's `.dockerignore`: core sent the context with its
 * ignore rules applied (a `<Dockerfile>.dockerignore` of the user's included), so a second
 * pass over the context's own `.dockerignore` could only drop files the tag was computed with.
 */
async function writeDockerfileFolder(dir: string, name: string, dockerfile: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, name), dockerfile);
  // Not empty: an empty file may read as a missing one.
  await writeFile(
    join(dir, `${name}.dockerignore`),
    '# imagespec: the context was sent with its ignore rules applied\n',
  );
}

/** An OCI tarball is written into the temp folder first. */
function staged(out: BuildctlOutput, root: string): BuildctlOutput {
  return out.type === 'oci' ? { type: 'oci', dest: `${root}/image.oci.tar` } : out;
}

async function moveFile(from: string, to: string): Promise<void> {
  await mkdir(dirname(to), { recursive: true });
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    await copyFile(from, to);
  }
}

function planPaths(root: string): BuildctlInvocation['paths'] {
  return { context: `${root}/context`, dockerfile: `${root}/dockerfile`, metadataFile: `${root}/metadata.json` };
}

function describeAddrSource(options: ResolvedBuildkitOptions): string {
  if (options.addrSource === 'option') return 'from the addr option';
  if (options.addrSource === 'BUILDKIT_HOST') return 'from BUILDKIT_HOST';
  return "buildctl's default; set the addr option or BUILDKIT_HOST";
}

function throwIfCancelled(request: BuildRequest) {
  if (request.signal.aborted) {
    throw new ImagespecError('CANCELLED', `Cancelled before building ${request.image}.`, {
      cause: request.signal.reason,
    });
  }
}

/** Missing TLS files give buildctl's terse "open ...: no such file" deep in a gRPC error: say it plainly first. */
async function checkTlsFiles(options: ResolvedBuildkitOptions): Promise<string | undefined> {
  const tls = options.tls;
  if (!tls) return undefined;
  for (const [name, file] of [
    ['tls.ca', tls.ca],
    ['tls.cert', tls.cert],
    ['tls.key', tls.key],
    ['tls.dir', tls.dir],
  ] as const) {
    if (file && !(await exists(file))) return `the buildkit builder's ${name} (${file}) does not exist`;
  }
  return undefined;
}

async function checkInputs(
  request: BuildRequest,
  options: ResolvedBuildkitOptions,
  env: Readonly<Record<string, string | undefined>>,
) {
  const tlsProblem = await checkTlsFiles(options);
  if (tlsProblem) {
    throw new ImagespecError('CONFIG_INVALID', `Cannot connect to buildkitd at ${options.addr}: ${tlsProblem}.`, {
      hint: 'Fix the path in the builder options of the imagespec config.',
    });
  }
  for (const secret of request.secrets) {
    if (secret.src !== undefined && !(await isReadableFile(secret.src))) {
      throw new ImagespecError(
        'FILE_NOT_FOUND',
        `The secret "${secret.id}" for ${request.image} reads ${secret.src}, which is not a readable file.`,
        {
          hint: 'Fix `src` in pipSecretMounts, or use `env` to take the secret from an environment variable.',
          details: { secret: secret.id, src: secret.src },
        },
      );
    }
    if (secret.src === undefined && secret.env !== undefined && env[secret.env] === undefined) {
      throw new ImagespecError(
        'BUILD_FAILED',
        `The secret "${secret.id}" for ${request.image} reads the environment variable ${secret.env}, which is not set.`,
        {
          hint: `Set ${secret.env} in the environment imagespec runs in, or use \`src\` to read the secret from a file.`,
          details: { secret: secret.id, env: secret.env },
        },
      );
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function isReadableFile(path: string): Promise<boolean> {
  try {
    if (!(await stat(path)).isFile()) return false;
    await access(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}
