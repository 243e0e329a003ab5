/**
 * The five core/v1 calls and the log stream the builder makes, as client-node's CoreV1Api and
 * Log make them (same paths, query parameters, JSON bodies; errors carry the HTTP status as
 * `code` and the response text as `body`), over node:http(s) with the agent and headers of a
 * LeanKubeConfig. The generated CoreV1Api needs the generated models (~2,500 modules) to
 * serialize a pod that is JSON already: see kube-config.ts for what loading them costs.
 */
import http from 'node:http';
import https from 'node:https';
import type { Writable } from 'node:stream';
import type { LeanKubeConfig } from './kube-config.js';

/** An API server's refusal: `code` the HTTP status, `body` its text (a Status object as JSON, mostly). */
export class KubeApiError extends Error {
  constructor(
    readonly code: number,
    readonly body: string,
  ) {
    super(`HTTP-Code: ${code}\nBody: ${body}`);
    this.name = 'KubeApiError';
  }
}

export interface CallOptions {
  readonly signal?: AbortSignal;
}

type Query = Readonly<Record<string, string | number | undefined>>;

/** `{ items }` of a list; each item as the API server sent it. */
export interface KubeList {
  readonly items: readonly unknown[];
}

export class CoreV1Client {
  constructor(private readonly kc: LeanKubeConfig) {}

  createNamespacedPod(params: { namespace: string; body: object }, options?: CallOptions): Promise<unknown> {
    return this.call('POST', podsPath(params.namespace), {}, params.body, options);
  }

  readNamespacedPod(params: { name: string; namespace: string }, options?: CallOptions): Promise<unknown> {
    return this.call('GET', podsPath(params.namespace, params.name), {}, undefined, options);
  }

  deleteNamespacedPod(
    params: { name: string; namespace: string; gracePeriodSeconds?: number; propagationPolicy?: string },
    options?: CallOptions,
  ): Promise<unknown> {
    const { gracePeriodSeconds, propagationPolicy } = params;
    return this.call(
      'DELETE',
      podsPath(params.namespace, params.name),
      { gracePeriodSeconds, propagationPolicy },
      undefined,
      options,
    );
  }

  listNamespacedPod(
    params: { namespace: string; limit?: number; labelSelector?: string },
    options?: CallOptions,
  ): Promise<KubeList> {
    const { limit, labelSelector } = params;
    return this.call(
      'GET',
      podsPath(params.namespace),
      { limit, labelSelector },
      undefined,
      options,
    ) as Promise<KubeList>;
  }

  listNamespacedEvent(params: { namespace: string; fieldSelector?: string }, options?: CallOptions): Promise<KubeList> {
    return this.call(
      'GET',
      `/api/v1/namespaces/${encodeURIComponent(params.namespace)}/events`,
      { fieldSelector: params.fieldSelector },
      undefined,
      options,
    ) as Promise<KubeList>;
  }

  /**
   * Pipes a container's log into `stream` from when the server answers; resolves with the
   * controller that ends it. An aborted response does not end `stream` (client-node's Log neither).
   */
  async followPodLog(namespace: string, pod: string, container: string, stream: Writable): Promise<AbortController> {
    const controller = new AbortController();
    const response = await this.open(
      'GET',
      `${podsPath(namespace, pod)}/log`,
      { container, follow: 'true' },
      undefined,
      controller.signal,
    );
    if (response.statusCode !== 200) throw new KubeApiError(response.statusCode ?? 0, await readText(response));
    response.on('error', () => {}); // an abort; the caller ends `stream`
    response.pipe(stream, { end: true });
    return controller;
  }

  private async call(method: string, path: string, query: Query, body: object | undefined, options?: CallOptions) {
    const response = await this.open(method, path, query, body, options?.signal);
    const text = await readText(response);
    const status = response.statusCode ?? 0;
    if (status < 200 || status > 299) throw new KubeApiError(status, text);
    return JSON.parse(text) as unknown;
  }

  private async open(
    method: string,
    path: string,
    query: Query,
    body: object | undefined,
    signal: AbortSignal | undefined,
  ): Promise<http.IncomingMessage> {
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new Error('No currently active cluster');
    const url = new URL(cluster.server + path);
    for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, String(value));
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const options: https.RequestOptions = {
      method,
      headers: { Accept: 'application/json', ...(payload ? { 'Content-Type': 'application/json' } : {}) },
    };
    await this.kc.applyToHTTPSOptions(options);
    signal?.throwIfAborted();
    return new Promise((resolve, reject) => {
      const request = (url.protocol === 'http:' ? http : https).request(url, { ...options, signal }, resolve);
      request.on('error', reject);
      request.end(payload);
    });
  }
}

function podsPath(namespace: string, name?: string): string {
  const base = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`;
  return name === undefined ? base : `${base}/${encodeURIComponent(name)}`;
}

async function readText(response: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
