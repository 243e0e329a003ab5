/**
 * STAND-IN for a Kubernetes API server (no cluster can run on these machines). It follows
 * the real API for exactly what the Kaniko builder uses, so the real @kubernetes/client-node
 * talks to it unchanged: pods create/get/list/watch/delete, events list, pods/log with
 * follow, and pods/attach over WebSocket with the v5.channel.k8s.io (stdin end = a [255, 0]
 * frame) and v4.channel.k8s.io (stdin end = socket close) protocols. A tiny "kubelet" moves
 * each pod through Pending -> Running -> terminated as a scenario says, playing recorded
 * Kaniko logs. Plain HTTP on 127.0.0.1; the kubeconfig sets insecure-skip-tls-verify, which
 * client-node requires for http:// servers. Bearer-token auth is checked on every request.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGunzip } from 'node:zlib';
import { type WebSocket, WebSocketServer } from 'ws';

export const FAKE_TOKEN = 'stand-in-token';

export interface Scenario {
  /** Stay Pending: no node fits, the executor image cannot be pulled, or its name is invalid. */
  readonly pending?: 'unschedulable' | 'image-pull-backoff' | 'invalid-image';
  readonly startDelayMs?: number;
  /** Log lines the "executor" prints once its stdin is closed (or at once without stdin). */
  readonly logLines?: readonly string[];
  readonly lineDelayMs?: number;
  readonly exitCode?: number;
  readonly terminationMessage?: string;
  readonly reason?: string;
  /** Never terminate (build timeout tests). */
  readonly hang?: boolean;
  /** Like Kaniko: a stdin that is not gzip fails with these lines and exit code 1. */
  readonly notGzipLines?: readonly string[];
  /** Gunzip stdin as it comes, like the executor: a truncated stream fails with unexpected EOF. Default true. */
  readonly verifyGzip?: boolean;
  /** Keep the received stdin bytes (small contexts only); otherwise they are counted and dropped. */
  readonly captureStdin?: boolean;
  /** Channel protocols the server accepts, in its order of preference. */
  readonly attachProtocols?: readonly string[];
  /** Answer the attach upgrade with this HTTP status instead. */
  readonly rejectAttach?: number;
  /** Read stdin no faster than this (a slow link between client and cluster). */
  readonly stdinBytesPerSecond?: number;
  /** Close the attach socket after this many stdin bytes (a dropped connection). */
  readonly dropAttachAfterBytes?: number;
  /** Verbs answered with 403 Forbidden (`create`, `list`, `delete`, ...). */
  readonly forbid?: readonly string[];
  /** End every watch after this long (the real server does, every few minutes). */
  readonly watchCloseAfterMs?: number;
}

export interface StdinRecord {
  bytes: number;
  /** Set when gunzip saw the end of a complete gzip stream. */
  complete?: boolean;
  protocol: string;
  closedBy?: 'close-frame' | 'socket-close';
  data?: Buffer[];
  head?: Buffer;
}

export interface FakePod {
  readonly namespace: string;
  readonly name: string;
  readonly manifest: Record<string, unknown> & { spec: { containers: Array<{ name: string; stdin?: boolean }> } };
  object: PodObject;
  readonly history: Array<{ type: string; object: PodObject }>;
  readonly log: string[];
  readonly logFollowers: Set<ServerResponse>;
  readonly stdin: StdinRecord;
  readonly timers: Set<NodeJS.Timeout>;
  readonly attachSockets: Set<WebSocket>;
  terminated: boolean;
}

// biome-ignore lint/suspicious/noExplicitAny: pod JSON is free-form here, like on the wire
type PodObject = any;

interface EventObject {
  metadata: { name: string; namespace: string };
  involvedObject: { kind: string; name: string; namespace: string };
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  count: number;
}

export class FakeKubeApiServer {
  readonly pods = new Map<string, FakePod>();
  /** Every pod ever created (manifests as received), in order, deleted ones included. */
  readonly created: FakePod[] = [];
  readonly deleted: string[] = [];
  readonly requests: string[] = [];
  scenario: Scenario | ((manifest: FakePod['manifest']) => Scenario) = {};
  private readonly events: EventObject[] = [];
  private resourceVersion = 100;
  private readonly watchers = new Set<{ key: string; res: ServerResponse }>();
  private readonly server: Server;
  private readonly wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) => {
      const accepted = this.currentScenario.attachProtocols ?? ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
      return accepted.find((protocol) => offered.has(protocol)) ?? false;
    },
  });
  private currentScenario: Scenario = {};

  private constructor() {
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.on('upgrade', (req, socket, head) => this.upgrade(req, socket as import('node:net').Socket, head));
  }

  static async start(): Promise<FakeKubeApiServer> {
    const fake = new FakeKubeApiServer();
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** A kubeconfig for this server (YAML). */
  kubeconfig(): string {
    return [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: stand-in',
      '  cluster:',
      `    server: ${this.url}`,
      '    insecure-skip-tls-verify: true',
      'users:',
      '- name: stand-in',
      '  user:',
      `    token: ${FAKE_TOKEN}`,
      'contexts:',
      '- name: stand-in',
      '  context:',
      '    cluster: stand-in',
      '    user: stand-in',
      'current-context: stand-in',
      '',
    ].join('\n');
  }

  async close(): Promise<void> {
    for (const pod of this.pods.values()) this.stopKubelet(pod);
    for (const watcher of this.watchers) watcher.res.end();
    for (const client of this.wss.clients) client.terminate();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', this.url);
    this.requests.push(`${req.method} ${url.pathname}${url.search}`);
    if (req.headers.authorization !== `Bearer ${FAKE_TOKEN}`) return status(res, 401, 'Unauthorized', 'Unauthorized');
    if (req.method === 'GET' && url.pathname === '/version') {
      return json(res, 200, { major: '1', minor: '34', gitVersion: 'v1.34.0-stand-in' });
    }
    const match = /^\/api\/v1\/namespaces\/([^/]+)\/(pods|events)(?:\/([^/]+))?(?:\/(log))?$/.exec(url.pathname);
    if (!match) return status(res, 404, 'NotFound', 'the server could not find the requested resource');
    const [, namespace, resource, name, sub] = match as unknown as [string, string, string, string?, string?];
    const verb =
      req.method === 'POST'
        ? 'create'
        : req.method === 'DELETE'
          ? 'delete'
          : url.searchParams.get('watch') === 'true'
            ? 'watch'
            : name
              ? 'get'
              : 'list';
    if (this.scenarioFor().forbid?.includes(verb)) {
      return status(
        res,
        403,
        'Forbidden',
        `${resource} is forbidden: User "system:serviceaccount:ci:builder" cannot ${verb} resource "${resource}" in API group "" in the namespace "${namespace}"`,
      );
    }
    if (resource === 'events') return this.listEvents(namespace, url, res);
    if (sub === 'log' && name) return this.followLog(namespace, name, url, res);
    if (req.method === 'POST' && !name) return void this.createPod(namespace, req, res);
    if (req.method === 'GET' && name) {
      const pod = this.pods.get(`${namespace}/${name}`);
      return pod ? json(res, 200, pod.object) : status(res, 404, 'NotFound', `pods "${name}" not found`);
    }
    if (req.method === 'GET' && verb === 'watch') return this.watch(namespace, url, res);
    if (req.method === 'GET') {
      const items = [...this.pods.values()].filter((pod) => pod.namespace === namespace).map((pod) => pod.object);
      return json(res, 200, {
        kind: 'PodList',
        apiVersion: 'v1',
        metadata: { resourceVersion: `${this.resourceVersion}` },
        items,
      });
    }
    if (req.method === 'DELETE' && name) return this.deletePod(namespace, name, res);
    return status(res, 405, 'MethodNotAllowed', 'method not allowed');
  }

  private scenarioFor(manifest?: FakePod['manifest']): Scenario {
    return typeof this.scenario === 'function' ? (manifest ? this.scenario(manifest) : {}) : this.scenario;
  }

  private async createPod(namespace: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const manifest = JSON.parse(Buffer.concat(chunks).toString('utf8')) as FakePod['manifest'];
    const scenario = this.scenarioFor(manifest);
    this.currentScenario = scenario;
    const metadata = (manifest.metadata ?? {}) as { name?: string; generateName?: string };
    const name = metadata.name ?? `${metadata.generateName ?? ''}${randomBytes(3).toString('hex').slice(0, 5)}`;
    const pod: FakePod = {
      namespace,
      name,
      manifest,
      object: {
        ...manifest,
        metadata: {
          ...(manifest.metadata as object),
          name,
          namespace,
          uid: randomBytes(8).toString('hex'),
          resourceVersion: this.nextVersion(),
          creationTimestamp: new Date().toISOString(),
        },
        // No container statuses until the pod is scheduled, as on a real cluster.
        status: { phase: 'Pending' },
      },
      history: [],
      log: [],
      logFollowers: new Set(),
      stdin: { bytes: 0, protocol: '' },
      timers: new Set(),
      attachSockets: new Set(),
      terminated: false,
    };
    pod.history.push({ type: 'ADDED', object: pod.object });
    this.pods.set(`${namespace}/${name}`, pod);
    this.created.push(pod);
    this.event(pod, 'Normal', 'Scheduled', `Successfully assigned ${namespace}/${name} to stand-in-node`);
    json(res, 201, pod.object);
    this.later(pod, scenario.startDelayMs ?? 20, () => this.start(pod, scenario));
  }

  private start(pod: FakePod, scenario: Scenario) {
    const image = (pod.manifest.spec.containers[0] as { image?: string }).image;
    if (scenario.pending === 'unschedulable') {
      this.event(
        pod,
        'Warning',
        'FailedScheduling',
        '0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available.',
      );
      return this.update(pod, (object) => {
        object.status.conditions = [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }];
      });
    }
    if (scenario.pending === 'image-pull-backoff' || scenario.pending === 'invalid-image') {
      const reason = scenario.pending === 'invalid-image' ? 'InvalidImageName' : 'ImagePullBackOff';
      const message =
        reason === 'InvalidImageName' ? `couldn't parse image name "${image}"` : `Back-off pulling image "${image}"`;
      if (reason === 'ImagePullBackOff') {
        this.event(pod, 'Warning', 'Failed', `Failed to pull image "${image}": not found`);
        this.event(pod, 'Warning', 'Failed', 'Error: ErrImagePull');
      } else {
        this.event(pod, 'Warning', 'InspectFailed', `Failed to apply default image tag "${image}": ${message}`);
      }
      return this.update(pod, (object) => setState(object, { waiting: { reason, message } }));
    }
    this.event(pod, 'Normal', 'Started', 'Started container kaniko');
    this.update(pod, (object) => {
      object.status.phase = 'Running';
      setState(object, { running: { startedAt: new Date().toISOString() } });
    });
    if (!pod.manifest.spec.containers[0]!.stdin) this.run(pod, scenario);
  }

  /** The "executor": prints its log, then exits as the scenario says. */
  private run(pod: FakePod, scenario: Scenario) {
    const gzip = pod.stdin.head === undefined || (pod.stdin.head[0] === 0x1f && pod.stdin.head[1] === 0x8b);
    const stdin = pod.manifest.spec.containers[0]!.stdin;
    const notGzip = stdin && !gzip && scenario.notGzipLines;
    const truncated = stdin && gzip && scenario.verifyGzip !== false && pod.stdin.complete !== true;
    const lines = notGzip
      ? [...scenario.notGzipLines!]
      : truncated
        ? ['Error: error resolving source context: unexpected EOF']
        : [...(scenario.logLines ?? [])];
    const exitCode = notGzip || truncated ? 1 : (scenario.exitCode ?? 0);
    const step = () => {
      const line = lines.shift();
      if (line !== undefined) {
        this.appendLog(pod, line);
        return this.later(pod, scenario.lineDelayMs ?? 0, step);
      }
      if (scenario.hang) return;
      this.terminate(pod, exitCode, notGzip || truncated ? undefined : scenario.terminationMessage, scenario.reason);
    };
    step();
  }

  private terminate(pod: FakePod, exitCode: number, message: string | undefined, reason: string | undefined) {
    // FallbackToLogsOnError: no message and a failure -> the log tail is the message.
    const container = pod.manifest.spec.containers[0] as { terminationMessagePolicy?: string };
    const fallback =
      message === undefined && exitCode !== 0 && container.terminationMessagePolicy === 'FallbackToLogsOnError'
        ? pod.log.slice(-80).join('\n')
        : message;
    pod.terminated = true;
    this.update(pod, (object) => {
      object.status.phase = exitCode === 0 ? 'Succeeded' : 'Failed';
      setState(object, {
        terminated: {
          exitCode,
          reason: reason ?? (exitCode === 0 ? 'Completed' : 'Error'),
          ...(fallback ? { message: fallback } : {}),
          finishedAt: new Date().toISOString(),
        },
      });
    });
    for (const res of pod.logFollowers) res.end();
    pod.logFollowers.clear();
    // The attach session ends with the container: a status frame, then a normal close.
    const status = JSON.stringify(
      exitCode === 0
        ? { metadata: {}, status: 'Success' }
        : {
            metadata: {},
            status: 'Failure',
            reason: 'NonZeroExitCode',
            message: `command terminated with non-zero exit code: ${exitCode}`,
          },
    );
    for (const ws of pod.attachSockets) {
      ws.send(Buffer.concat([Buffer.from([3]), Buffer.from(status)]));
      ws.close(1000);
    }
  }

  private appendLog(pod: FakePod, line: string) {
    pod.log.push(line);
    for (const res of pod.logFollowers) res.write(`${line}\n`);
  }

  private update(pod: FakePod, change: (object: PodObject) => void): void {
    const object = structuredClone(pod.object);
    change(object);
    object.metadata.resourceVersion = this.nextVersion();
    pod.object = object;
    this.notify(pod, 'MODIFIED', object);
  }

  private notify(pod: FakePod, type: string, object: PodObject) {
    pod.history.push({ type, object });
    const key = `${pod.namespace}/${pod.name}`;
    for (const watcher of this.watchers) {
      if (watcher.key === key) watcher.res.write(`${JSON.stringify({ type, object })}\n`);
    }
  }

  private watch(namespace: string, url: URL, res: ServerResponse) {
    const selector = parseFieldSelector(url.searchParams.get('fieldSelector'));
    const name = selector['metadata.name'];
    if (!name)
      return status(res, 400, 'BadRequest', 'this stand-in watches single pods (fieldSelector=metadata.name=...)');
    const key = `${namespace}/${name}`;
    const since = Number(url.searchParams.get('resourceVersion') ?? 0);
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const pod = this.pods.get(key);
    if (pod) {
      const backlog =
        since > 0
          ? pod.history.filter((entry) => Number(entry.object.metadata.resourceVersion) > since)
          : [{ type: 'ADDED', object: pod.object }];
      for (const entry of backlog) res.write(`${JSON.stringify(entry)}\n`);
    }
    const watcher = { key, res };
    this.watchers.add(watcher);
    res.on('close', () => this.watchers.delete(watcher));
    const closeAfter = this.currentScenario.watchCloseAfterMs;
    if (closeAfter) setTimeout(() => res.end(), closeAfter).unref();
  }

  private listEvents(namespace: string, url: URL, res: ServerResponse) {
    const selector = parseFieldSelector(url.searchParams.get('fieldSelector'));
    const items = this.events.filter(
      (event) =>
        event.metadata.namespace === namespace &&
        (selector['involvedObject.name'] === undefined ||
          event.involvedObject.name === selector['involvedObject.name']) &&
        (selector['involvedObject.kind'] === undefined ||
          event.involvedObject.kind === selector['involvedObject.kind']) &&
        (selector.type === undefined || event.type === selector.type),
    );
    json(res, 200, {
      kind: 'EventList',
      apiVersion: 'v1',
      metadata: { resourceVersion: `${this.resourceVersion}` },
      items,
    });
  }

  private followLog(namespace: string, name: string, url: URL, res: ServerResponse) {
    const pod = this.pods.get(`${namespace}/${name}`);
    if (!pod) return status(res, 404, 'NotFound', `pods "${name}" not found`);
    const state = pod.object.status.containerStatuses?.[0]?.state;
    if (!state || state.waiting) {
      const reason = state?.waiting?.reason ?? 'ContainerCreating';
      return status(res, 400, 'BadRequest', `container "kaniko" in pod "${name}" is waiting to start: ${reason}`);
    }
    res.writeHead(200, { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    for (const line of pod.log) res.write(`${line}\n`);
    if (url.searchParams.get('follow') !== 'true' || pod.terminated) return void res.end();
    pod.logFollowers.add(res);
    res.on('close', () => pod.logFollowers.delete(res));
  }

  private deletePod(namespace: string, name: string, res: ServerResponse) {
    const key = `${namespace}/${name}`;
    const pod = this.pods.get(key);
    if (!pod) return status(res, 404, 'NotFound', `pods "${name}" not found`);
    this.stopKubelet(pod);
    this.pods.delete(key);
    this.deleted.push(name);
    const object = {
      ...pod.object,
      metadata: {
        ...pod.object.metadata,
        deletionTimestamp: new Date().toISOString(),
        resourceVersion: this.nextVersion(),
      },
    };
    this.notify(pod, 'DELETED', object);
    json(res, 200, object);
  }

  private stopKubelet(pod: FakePod) {
    for (const timer of pod.timers) clearTimeout(timer);
    pod.timers.clear();
    for (const res of pod.logFollowers) res.end();
    pod.logFollowers.clear();
    for (const ws of pod.attachSockets) ws.terminate();
  }

  private upgrade(req: IncomingMessage, socket: import('node:net').Socket, head: Buffer) {
    const url = new URL(req.url ?? '/', this.url);
    this.requests.push(`UPGRADE ${url.pathname}${url.search}`);
    const match = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/attach$/.exec(url.pathname);
    const pod = match ? this.pods.get(`${match[1]}/${match[2]}`) : undefined;
    const scenario = this.currentScenario;
    const refuse = (code: number, message: string) => {
      socket.end(`HTTP/1.1 ${code} ${message}\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\n${message}`);
    };
    if (req.headers.authorization !== `Bearer ${FAKE_TOKEN}`) return refuse(401, 'Unauthorized');
    if (!pod) return refuse(404, 'pod not found');
    if (scenario.rejectAttach) return refuse(scenario.rejectAttach, 'attach refused');
    if (url.searchParams.get('stdin') !== 'true' || !pod.manifest.spec.containers[0]!.stdin) {
      return refuse(400, 'stdin was requested for a container without stdin');
    }
    if (!pod.object.status.containerStatuses?.[0]?.state?.running) return refuse(400, 'container not running');
    this.wss.handleUpgrade(req, socket, head, (ws) => this.attach(pod, ws, scenario));
  }

  private attach(pod: FakePod, ws: WebSocket, scenario: Scenario) {
    const record = pod.stdin;
    record.protocol = ws.protocol;
    pod.attachSockets.add(ws);
    if (scenario.captureStdin) record.data = [];
    const gunzip = scenario.verifyGzip === false ? undefined : createGunzip();
    let judged: (() => void) | undefined;
    gunzip?.on('data', () => {});
    gunzip?.on('end', () => {
      record.complete = true;
      judged?.();
    });
    gunzip?.on('error', () => judged?.());
    const endStdin = (how: 'close-frame' | 'socket-close') => {
      if (record.closedBy) return;
      record.closedBy = how;
      const run = () => {
        if (!pod.terminated && this.pods.has(`${pod.namespace}/${pod.name}`)) this.run(pod, scenario);
      };
      if (!gunzip) return run();
      // The "executor" judges the stream once gunzip has read all of it: 'end', or 'error' if cut short.
      judged = run;
      gunzip.end();
    };
    let linkFreeAt = 0;
    let resumeTimer: NodeJS.Timeout | undefined;
    ws.on('message', (data: Buffer, isBinary) => {
      if (!isBinary || data.length === 0) return;
      const channel = data[0];
      if (channel === 0 && !record.closedBy) {
        const payload = data.subarray(1);
        if (record.head === undefined || record.head.length < 2) {
          record.head = Buffer.concat([record.head ?? Buffer.alloc(0), payload.subarray(0, 2)]);
        }
        record.bytes += payload.length;
        record.data?.push(Buffer.from(payload));
        if (gunzip && record.head?.[0] === 0x1f) gunzip.write(Buffer.from(payload));
        if (scenario.dropAttachAfterBytes !== undefined && record.bytes >= scenario.dropAttachAfterBytes) {
          ws.terminate();
        }
        if (scenario.stdinBytesPerSecond) {
          // Stop reading the socket until the link would have carried everything received so far.
          const now = Date.now();
          linkFreeAt = Math.max(now, linkFreeAt) + (payload.length / scenario.stdinBytesPerSecond) * 1000;
          ws.pause();
          clearTimeout(resumeTimer);
          resumeTimer = setTimeout(() => ws.resume(), linkFreeAt - now);
        }
      } else if (channel === 255 && data[1] === 0 && ws.protocol === 'v5.channel.k8s.io') {
        endStdin('close-frame');
      }
    });
    // stdinOnce: the container's stdin closes when the attach session ends.
    ws.on('close', () => {
      pod.attachSockets.delete(ws);
      endStdin('socket-close');
    });
  }

  private event(pod: FakePod, type: 'Normal' | 'Warning', reason: string, message: string) {
    this.events.push({
      metadata: { name: `${pod.name}.${this.events.length}`, namespace: pod.namespace },
      involvedObject: { kind: 'Pod', name: pod.name, namespace: pod.namespace },
      type,
      reason,
      message,
      count: 1,
    });
  }

  private later(pod: FakePod, ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      pod.timers.delete(timer);
      fn();
    }, ms);
    pod.timers.add(timer);
  }

  private nextVersion(): string {
    this.resourceVersion += 1;
    return `${this.resourceVersion}`;
  }
}

function setState(object: PodObject, state: Record<string, unknown>): void {
  const name = object.spec.containers[0].name;
  object.status.containerStatuses = [
    { name, ready: 'running' in state, restartCount: 0, image: object.spec.containers[0].image, imageID: '', state },
  ];
}

function parseFieldSelector(value: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (value ?? '').split(',')) {
    const [key, ...rest] = part.split('=');
    if (key) out[key] = rest.join('=');
  }
  return out;
}

function json(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function status(res: ServerResponse, code: number, reason: string, message: string): void {
  json(res, code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
}
