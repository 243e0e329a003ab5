import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type {
  Availability,
  Builder,
  BuilderHost,
  BuildPlan,
  BuildRequest,
  BuildResult,
  RegistryBlobClient,
  ResolvedImageSpec,
} from '@imagespec/core/builder';
import { ImagespecError, isImagespecError, parseImageRef, verifyFailedError } from '@imagespec/core/builder';
import { type AssembledImage, assembleImage } from './assemble.js';
import { readBaseImage } from './base-image.js';
import { engineAuthHeader, resolveEngineAddress } from './engine-address.js';
import { EngineClient } from './engine-client.js';
import { checkReusedBlob, layerCacheDir } from './layer-cache.js';
import { layerRoots } from './layer-roots.js';
import { type WrittenLayer, writeLayers } from './layer-writer.js';
import { layoutPath, writeLocalImage } from './local-output.js';
import type { OciBuilderOptions } from './options.js';
import { type NeededBlob, publishBlobs } from './publish.js';
import { ociSupports } from './supports.js';
import { runVerify } from './verify.js';

const PING_TIMEOUT_MS = 2000;

/** builder-oci: images assembled in the registry, no daemon (a local engine only for verify and local images). */
export class OciBuilder implements Builder {
  readonly #options: OciBuilderOptions;
  readonly #host: BuilderHost;
  /** The local engine, once known to answer, or why not (for the synchronous `supports`). */
  #engine: { ok: true; client: EngineClient } | { ok: false; why: string } | undefined;

  constructor(options: OciBuilderOptions, host: BuilderHost) {
    this.#options = options;
    this.#host = host;
  }

  async available(): Promise<Availability> {
    if (!this.#host.registry) {
      return {
        ok: false,
        reason: 'this @imagespec/core gives builders no registry client (BuilderHost.registry); update it',
      };
    }
    await this.#probeEngine();
    return { ok: true };
  }

  /**
   * Before `available()` (a dry run asks no builder whether it is available) the engine is
   * not known yet: a spec with verify is taken, and `build` checks again once it is known.
   */
  supports(spec: ResolvedImageSpec): Availability {
    const engine = this.#engine;
    return ociSupports(spec, engine === undefined || engine.ok ? { ok: true } : { ok: false, why: engine.why });
  }

  plan(request: BuildRequest): BuildPlan {
    return {
      base: request.baseImage,
      layers: layerRoots(request.spec).map((root) => root.createdBy),
      platforms: request.platforms,
      verify: request.spec.verify,
      push: request.push ? request.image : false,
      ...(!request.push && { output: this.#options.output }),
    };
  }

  /** For a spec without a registry: whether the local engine (or, without one, the OCI layout folder) has the image. */
  async exists(image: string, options: { signal?: AbortSignal } = {}): Promise<boolean> {
    const engine = this.#options.output === 'oci-layout' ? undefined : await this.#engineFor('local');
    if (!engine) return existsSync(join(layoutPath(this.#host.cwd, this.#options.layoutDir, image), 'index.json'));
    const answer = await engine.request('GET', `/images/${encodeURIComponent(image)}/json`, {
      signal: options.signal ?? AbortSignal.timeout(10_000),
    });
    answer.resume();
    if (answer.statusCode === 200) return true;
    if (answer.statusCode === 404) return false;
    throw new ImagespecError(
      'DAEMON_ERROR',
      `The engine at ${engine.describe()} answered HTTP ${answer.statusCode} asked for ${image}.`,
    );
  }

  async build(request: BuildRequest): Promise<BuildResult> {
    const { spec, signal } = request;
    await this.#probeEngine();
    const support = this.supports(spec);
    if (!support.ok) {
      throw new ImagespecError(
        'BUILDER_UNSUPPORTED',
        `The oci builder cannot build ${request.image}: ${support.reason}.`,
      );
    }
    // The renderer validates every value the image settings take (env names, labels, paths).
    request.dockerfile('plain');
    const registry = this.#host.registry;
    const contextEntries = request.contextEntries?.bind(request);
    if (!registry || !contextEntries) {
      throw new ImagespecError(
        'BUILDER_UNSUPPORTED',
        'The oci builder needs BuilderHost.registry and BuildRequest.contextEntries, which this @imagespec/core lacks.',
        { hint: 'Update @imagespec/core and @imagespec/builder-oci together.' },
      );
    }
    const emit = request.events.emit.bind(request.events);
    const step = async <T>(id: string, name: string, work: () => Promise<T>): Promise<T> => {
      emit({ type: 'step', id, name, status: 'started' });
      try {
        const result = await work();
        emit({ type: 'step', id, name, status: 'done' });
        return result;
      } catch (error) {
        emit({ type: 'step', id, name, status: 'error', error: (error as Error).message });
        throw error;
      }
    };
    const temp = await this.#host.tempDir('oci');
    const cacheDir = layerCacheDir(this.#host.env);
    // The member cache links the layers' temp files: the dir goes only once it has.
    const keeping: Promise<void>[] = [];
    try {
      const roots = layerRoots(spec);
      // The base's manifests come over the network while the layers are written: neither needs the other.
      const [base, layers] = await both(
        signal,
        (inner) =>
          step('base', `read ${request.baseImage}`, () =>
            readBaseImage(registry, request.baseImage, request.platforms, inner),
          ),
        (inner) =>
          // How many layers is known only once the listing is walked (a large source is cut into shards).
          step('layers', `write the layers of ${roots.map((root) => root.entry.dest).join(', ')}`, async () => {
            const written = await writeLayers(contextEntries(), roots, temp.path, inner, { cacheDir });
            keeping.push(...written.map((layer) => layer.kept));
            return written;
          }),
      );
      for (const layer of layers) {
        const how = layer.reused
          ? 'unchanged: the cached blob'
          : `${layer.compressed} of ${layer.members} gzip members compressed, ${layer.members - layer.compressed} from cache`;
        emit({
          type: 'log',
          stream: 'stdout',
          line: `${layer.createdBy}: ${layer.digest} (${layer.size} bytes; ${how})`,
          step: 'layers',
        });
      }
      const image = assembleImage(base, spec, request.hash, layers, { index: request.platforms.length > 1 });
      // A reused blob is checked by its digest wherever its bytes go: here all of them, below only those uploaded.
      const check = (layer: WrittenLayer) =>
        layer.reused && cacheDir ? () => checkReusedBlob(layer.file, layer.digest, cacheDir) : undefined;
      if (!request.push) {
        await Promise.all(layers.map((layer) => check(layer)?.()));
        const where = await writeLocalImage(image, layers, {
          registry,
          baseRepository: base.repository,
          image: request.image,
          engine: this.#options.output === 'oci-layout' ? undefined : await this.#engineFor('local'),
          output: this.#options.output,
          layoutDir: this.#options.layoutDir,
          cwd: this.#host.cwd,
          signal,
        });
        emit({ type: 'log', stream: 'stdout', line: `oci: ${request.image} ${where}`, step: 'layers' });
        return { image: request.image, digest: image.top.digest, pushed: false };
      }
      await this.#publish(request, registry, base.repository, image, layers, check);
      return { image: request.image, digest: image.top.digest, pushed: true };
    } catch (error) {
      if (signal.aborted && !isImagespecError(error)) {
        throw new ImagespecError('CANCELLED', `The build of ${request.image} was cancelled; no tag was put.`, {
          cause: error,
        });
      }
      throw error;
    } finally {
      await Promise.all(keeping);
      await temp.dispose();
    }
  }

  /**
   * Blobs, then the manifests by digest (visible under no tag), then verify in the local
   * engine, and only then the tag.
   */
  async #publish(
    request: BuildRequest,
    registry: RegistryBlobClient,
    baseRepository: string,
    image: AssembledImage,
    layers: readonly WrittenLayer[],
    check: (layer: WrittenLayer) => (() => Promise<void>) | undefined,
  ): Promise<void> {
    const { signal } = request;
    const emit = request.events.emit.bind(request.events);
    const ref = parseImageRef(request.image);
    const target = `${ref.registry}/${ref.repository}`;
    const blobs: NeededBlob[] = [
      ...layers.map(
        (layer): NeededBlob => ({
          digest: layer.digest,
          size: layer.size,
          from: 'file',
          file: layer.file,
          before: check(layer),
        }),
      ),
      ...image.platforms.flatMap((platform): NeededBlob[] => [
        ...platform.base.manifest.layers.map(
          (layer): NeededBlob => ({ digest: layer.digest, size: layer.size, from: 'base' }),
        ),
        { digest: platform.config.digest, size: platform.config.size, from: 'bytes', bytes: platform.config.body },
      ]),
    ];
    emit({ type: 'step', id: 'push', name: `push ${request.image}`, status: 'started' });
    const stats = await publishBlobs(registry, target, baseRepository, blobs, {
      concurrency: this.#options.concurrency,
      signal,
    });
    emit({
      type: 'log',
      stream: 'stdout',
      line: `blobs: ${stats.present} already there, ${stats.mounted} mounted, ${stats.copied} copied, ${stats.uploaded} uploaded (${stats.uploadedBytes} bytes)`,
      step: 'push',
    });
    const verify = request.spec.verify.length > 0;
    // An index's manifests go first by digest; the top one too when verify must run on it
    // before the tag is put. Without verify, the tag's own PUT is the only one it needs.
    for (const platform of image.platforms) {
      if (platform.manifest.digest === image.top.digest && !verify) continue;
      await registry.putManifest(`${target}@${platform.manifest.digest}`, platform.manifest, { signal });
    }
    if (verify) {
      if (image.top.digest !== image.platforms[0]?.manifest.digest) {
        await registry.putManifest(`${target}@${image.top.digest}`, image.top, { signal });
      }
      await this.#verify(request, `${target}@${image.top.digest}`);
    }
    await registry.putManifest(request.image, image.top, { signal });
    emit({ type: 'step', id: 'push', name: `push ${request.image}`, status: 'done' });
  }

  async #verify(request: BuildRequest, byDigest: string): Promise<void> {
    const { signal } = request;
    const engine = await this.#engineFor('verify');
    if (!engine)
      throw new ImagespecError(
        'BUILDER_UNSUPPORTED',
        `No local engine to run the verify commands of ${request.image}; no tag was put.`,
      );
    const host = parseImageRef(byDigest).registry;
    const auth = engineAuthHeader(host, await this.#host.registries.credentials(host));
    await engine.pull(byDigest, auth, signal).catch((error: Error) => {
      throw new ImagespecError(
        'PULL_FAILED',
        `The engine at ${engine.describe()} could not pull ${byDigest} to verify it: ${error.message}. No tag was put.`,
        {
          hint: `The engine must reach ${host} (an insecure registry must be in the engine's insecure-registries, a private CA in its certs.d).`,
          cause: error,
        },
      );
    });
    const failure = await runVerify(engine, byDigest, request.spec.verify, {
      network: this.#options.network,
      signal,
      emit: (event) => request.events.emit(event),
    });
    await engine
      .json('DELETE', `/images/${encodeURIComponent(byDigest)}?noprune=1`, undefined, AbortSignal.timeout(10_000))
      .catch(() => undefined);
    if (failure)
      throw verifyFailedError(request.image, failure, `pushed by digest ${byDigest.split('@')[1]}, not tagged`);
  }

  async #engineFor(purpose: 'verify' | 'local'): Promise<EngineClient | undefined> {
    await this.#probeEngine();
    const engine = this.#engine;
    if (engine?.ok) return engine.client;
    if (purpose === 'local' && this.#options.output === 'engine') {
      throw new ImagespecError(
        'DAEMON_UNREACHABLE',
        `The oci builder has output: 'engine', and ${engine?.why ?? 'no engine answers'}.`,
        {
          hint: "Start the Docker engine, or set output: 'auto' or 'oci-layout'.",
        },
      );
    }
    return undefined;
  }

  async #probeEngine(): Promise<void> {
    if (this.#engine) return;
    const address = resolveEngineAddress(this.#options.engine, this.#host.env);
    if ('none' in address) {
      this.#engine = { ok: false, why: address.none };
      return;
    }
    const client = new EngineClient(address);
    try {
      await client.ping(AbortSignal.timeout(PING_TIMEOUT_MS));
      this.#engine = { ok: true, client };
    } catch (error) {
      this.#engine = {
        ok: false,
        why: `no Docker engine answers at ${client.describe()} (${(error as Error).message})`,
      };
    }
  }
}

/**
 * Runs two tasks at once and waits for both to settle, so neither is left running (the
 * temp directory is removed after); when one fails, the other is aborted and the first
 * failure is thrown.
 */
async function both<A, B>(
  signal: AbortSignal,
  a: (signal: AbortSignal) => Promise<A>,
  b: (signal: AbortSignal) => Promise<B>,
): Promise<[A, B]> {
  const inner = new AbortController();
  const stop = () => inner.abort(signal.reason);
  signal.addEventListener('abort', stop, { once: true });
  try {
    const settled = await Promise.allSettled([
      a(inner.signal).catch((error: unknown) => {
        inner.abort(error);
        throw error;
      }),
      b(inner.signal).catch((error: unknown) => {
        inner.abort(error);
        throw error;
      }),
    ]);
    const failed = settled.filter((result) => result.status === 'rejected').map((result) => result.reason);
    // The first failure aborted the other task: that one's error only says it was stopped.
    if (failed.length > 0) throw failed.includes(inner.signal.reason) ? inner.signal.reason : failed[0];
    return [(settled[0] as PromiseFulfilledResult<A>).value, (settled[1] as PromiseFulfilledResult<B>).value];
  } finally {
    signal.removeEventListener('abort', stop);
  }
}
