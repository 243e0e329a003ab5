/**
 * A BuildKit session with the Docker engine: `POST /session` hijacked (HTTP/1.1 upgrade to
 * h2c) through dockerode's modem, with a gRPC server on the socket. The engine's BuildKit
 * is the gRPC client: it calls the methods the session lists in its headers.
 * - `/moby.filesync.v1.FileSync/DiffCopy`: the build context ("context") and the Dockerfile
 *   ("dockerfile"), sent as file sync does (only what the engine's copy lacks);
 * - `/moby.filesync.v1.Auth/Credentials`: registry credentials per host;
 * - `/moby.buildkit.secrets.v1.Secrets/GetSecret`: the values of `RUN --mount=type=secret`,
 *   when the build has secrets. BuildKit mounts them for that RUN only: never in a layer;
 * - `/grpc.health.v1.Health/Check`: BuildKit checks every session it holds (each second in
 *   0.8) and drops it at the first failed check. Without it a session lived about one
 *   second: enough for a lone build's file sync, not for builds queued behind others.
 * The services are defined in services.ts over messages encoded by hand (filesync-proto.ts):
 * no .proto files at run time.
 */
import { randomUUID } from 'node:crypto';
import type * as Grpc from '@grpc/grpc-js';
import type Docker from 'dockerode';
import { type PacketStream, SyncCancelled, sendDiffCopy, type TransferStats } from './diff-copy.js';
import { HEALTH_SERVING, type Packet } from './filesync-proto.js';
import {
  authService,
  CREDENTIALS_METHOD,
  DIFF_COPY_METHOD,
  fileSyncService,
  HEALTH_CHECK_METHOD,
  healthService,
  SECRETS_METHOD,
  secretsService,
} from './services.js';
import { filtersFromMetadata, type SyncFilters, type SyncTree } from './sync-tree.js';

/** One DiffCopy call the engine made: which directory, with which filters, and what was sent. */
export interface TransferReport extends TransferStats {
  readonly dir: string;
  filters: SyncFilters;
  /** Filters left out because their values could not be told apart (see filtersFromMetadata). */
  readonly dropped: string[];
}

export interface SessionOptions {
  /** Shown by the engine (`X-Docker-Expose-Session-Name`). */
  readonly name: string;
  /** Same for every build of one context: the engine keeps its copy of a directory under it. */
  readonly sharedKey: string;
  /** The directories the engine may ask for, by name, each read once when first asked for. */
  readonly dirs: Readonly<Record<string, () => Promise<SyncTree>>>;
  /**
   * Directories sent without the engine's exclude patterns: their entries are already what
   * the ignore rules keep (core's context), and the engine's second pass reads only the
   * context's `.dockerignore` (BuildKit 0.8 knows no `<Dockerfile>.dockerignore`), so it
   * could only drop files the tag was computed with.
   */
  readonly unfiltered?: readonly string[];
  /** Registry credentials for a host, or undefined for anonymous access. */
  credentials(host: string): Promise<{ username: string; secret: string } | undefined>;
  /** The value of a build secret by id, undefined for one the build does not have; absent: no secrets service. */
  readonly secret?: (id: string) => Promise<Buffer | undefined>;
  readonly signal?: AbortSignal;
}

const empty = () => undefined;

type SessionSocket = NodeJS.ReadWriteStream & { destroy(): void; destroyed?: boolean };

const openSessions = new Set<BuildSession>();

/** Sessions opened and not closed yet in this process (for tests: a build leaves none behind). */
export function openSessionCount(): number {
  return openSessions.size;
}

/** An open session. `close()` shuts the gRPC server and the socket; call it once the build is over. */
export class BuildSession {
  readonly id: string;
  readonly transfers: TransferReport[] = [];
  /** The first failure of a transfer that was ours (a file that cannot be sent), if any. */
  failure: unknown;
  readonly #server: Grpc.Server;
  readonly #socket: SessionSocket;
  readonly #onFailure = new Set<(error: unknown) => void>();
  readonly #openedAt = performance.now();
  #closed = false;
  #lostAfterMs: number | undefined;

  private constructor(id: string, server: Grpc.Server, socket: SessionSocket) {
    this.id = id;
    this.#server = server;
    this.#socket = socket;
    socket.on('error', empty);
    socket.on('close', () => {
      if (!this.#closed) this.#lostAfterMs = performance.now() - this.#openedAt;
    });
    openSessions.add(this);
  }

  static async open(docker: Docker, options: SessionOptions): Promise<BuildSession> {
    const grpc = await import('@grpc/grpc-js');
    const id = randomUUID();
    options.signal?.throwIfAborted();
    const socket = await new Promise<SessionSocket>((resolve, reject) => {
      docker.modem.dial(
        {
          method: 'POST',
          path: '/session',
          hijack: true,
          headers: {
            Upgrade: 'h2c',
            'X-Docker-Expose-Session-Uuid': id,
            'X-Docker-Expose-Session-Name': options.name,
            'X-Docker-Expose-Session-Sharedkey': options.sharedKey,
            'X-Docker-Expose-Session-Grpc-Method': [
              DIFF_COPY_METHOD,
              CREDENTIALS_METHOD,
              HEALTH_CHECK_METHOD,
              ...(options.secret ? [SECRETS_METHOD] : []),
            ],
          },
          statusCodes: { 101: true, 200: true, 400: 'bad parameter', 404: 'no such endpoint', 500: 'server error' },
          ...(options.signal && { abortSignal: options.signal }),
        } as unknown as Parameters<Docker['modem']['dial']>[0],
        (error: unknown, socket: unknown) => {
          if (error) reject(error);
          else resolve(socket as SessionSocket);
        },
      );
    });
    const server = new grpc.Server();
    const session = new BuildSession(id, server, socket);
    try {
      server.addService(healthService(), {
        Check: (_call: unknown, callback: Grpc.sendUnaryData<{ status: number }>) =>
          callback(null, { status: HEALTH_SERVING }),
      });
      server.addService(fileSyncService(), {
        DiffCopy: (call: Grpc.ServerDuplexStream<Packet, Packet>) => session.#diffCopy(call, options, grpc),
      });
      server.addService(authService(), {
        Credentials: (
          call: Grpc.ServerUnaryCall<{ host: string }, Buffer>,
          callback: Grpc.sendUnaryData<{ username?: string; secret?: string }>,
        ) => {
          options.credentials(call.request.host).then(
            (credentials) => callback(null, credentials ?? {}),
            (error: unknown) =>
              callback({
                code: grpc.status.UNAVAILABLE,
                details: `credentials for ${call.request.host}: ${(error as Error).message ?? String(error)}`,
              }),
          );
        },
      });
      const secret = options.secret;
      if (secret) {
        server.addService(secretsService(), {
          GetSecret: (
            call: Grpc.ServerUnaryCall<{ id: string }, Buffer>,
            callback: Grpc.sendUnaryData<{ data: Buffer }>,
          ) => {
            const { id } = call.request;
            secret(id).then(
              (data) =>
                data === undefined
                  ? callback({ code: grpc.status.NOT_FOUND, details: `secret ${id} not found` })
                  : callback(null, { data }),
              // Never the value: only which secret and why it could not be read.
              (error: unknown) =>
                callback({
                  code: grpc.status.UNAVAILABLE,
                  details: `secret ${id}: ${(error as Error).message ?? String(error)}`,
                }),
            );
          },
        });
      }
      server.createConnectionInjector(grpc.ServerCredentials.createInsecure()).injectConnection(socket as never);
    } catch (error) {
      session.close();
      throw error;
    }
    return session;
  }

  /** Called once, with the first failure of ours in a transfer. */
  onFailure(listener: (error: unknown) => void): void {
    if (this.failure !== undefined) listener(this.failure);
    else this.#onFailure.add(listener);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Milliseconds from open to the engine closing the session's connection, if it did before close(). */
  get lostAfterMs(): number | undefined {
    return this.#lostAfterMs;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    openSessions.delete(this);
    this.#server.forceShutdown();
    this.#socket.destroy();
  }

  #diffCopy(call: Grpc.ServerDuplexStream<Packet, Packet>, options: SessionOptions, grpc: typeof Grpc): void {
    const values = (key: string) => {
      const list = call.metadata.get(key).map(String);
      return list.length > 0 ? list : undefined;
    };
    const dir = values('dir-name')?.[0] ?? '';
    const report: TransferReport = { dir, filters: {}, stats: 0, requested: 0, bytes: 0, paths: [], dropped: [] };
    this.transfers.push(report);
    const tree = options.dirs[dir];
    if (!tree) {
      call.emit('error', { code: grpc.status.NOT_FOUND, details: `no access allowed to dir "${dir}"` });
      return;
    }
    tree()
      .then((loaded) => {
        const { filters: asked, dropped } = filtersFromMetadata(values, loaded);
        const { excludePatterns, ...kept } = asked;
        const filters = excludePatterns && options.unfiltered?.includes(dir) ? kept : asked;
        if (filters !== asked) dropped.push('exclude-patterns');
        report.filters = filters;
        report.dropped.push(...dropped);
        return sendDiffCopy(call as unknown as PacketStream, loaded.select(filters), report);
      })
      .catch((error: unknown) => {
        if (!(error instanceof SyncCancelled)) this.#fail(error);
        if (!call.destroyed)
          call.emit('error', {
            code: error instanceof SyncCancelled ? grpc.status.CANCELLED : grpc.status.UNKNOWN,
            details: (error as Error).message ?? String(error),
          });
      });
  }

  #fail(error: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    for (const listener of this.#onFailure) listener(error);
    this.#onFailure.clear();
  }
}
