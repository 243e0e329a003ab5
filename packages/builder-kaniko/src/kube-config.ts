/**
 * client-node's KubeConfig without makeApiClient, for the parts this builder uses. Its
 * module (dist/config.js) imports the generated API client (dist/gen: ~2,900 modules, 21 MB
 * of JS) for makeApiClient alone, and that import holds ~75 MB of RSS as long as the process
 * lives: half of the 150 MB that streaming a 1 GB context may peak at (#15). This class keeps
 * KubeConfig's semantics (method names, merge rules, in-cluster paths, TLS and auth options,
 * proxy agents) with client-node's own parsers (config_types.js) and authenticators, and
 * client-node's Watch and WebSocketHandler take it in place of a KubeConfig.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { createRequire } from 'node:module';
import { isIPv6 } from 'node:net';
import { dirname, isAbsolute, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Authenticator } from '@kubernetes/client-node/dist/auth.js';
import type { Cluster, Context, User } from '@kubernetes/client-node/dist/config_types.js';

const SERVICEACCOUNT_ROOT = '/var/run/secrets/kubernetes.io/serviceaccount';

type AgentClass = new (options: object) => http.Agent;

interface Support {
  readonly loadYaml: (text: string) => unknown;
  readonly types: typeof import('@kubernetes/client-node/dist/config_types.js');
  readonly authenticators: () => Authenticator[];
  readonly load: (name: string) => Promise<Record<string, unknown>>;
}

/** Loads what a LeanKubeConfig needs; returns a factory of empty configs. */
export async function loadKubeConfigSupport(): Promise<() => LeanKubeConfig> {
  // js-yaml and the proxy agents are client-node's dependencies: resolved where it resolves them.
  const fromClient = createRequire(createRequire(import.meta.url).resolve('@kubernetes/client-node'));
  const load = async (name: string) => {
    const module = (await import(pathToFileURL(fromClient.resolve(name)).href)) as { default?: object };
    return { ...module.default, ...module } as Record<string, unknown>;
  };
  const [yaml, types, azure, gcp, exec, file, oidc] = await Promise.all([
    load('js-yaml'),
    import('@kubernetes/client-node/dist/config_types.js'),
    import('@kubernetes/client-node/dist/azure_auth.js'),
    import('@kubernetes/client-node/dist/gcp_auth.js'),
    import('@kubernetes/client-node/dist/exec_auth.js'),
    import('@kubernetes/client-node/dist/file_auth.js'),
    import('@kubernetes/client-node/dist/oidc_auth.js'),
  ]);
  const support: Support = {
    loadYaml: yaml.load as (text: string) => unknown,
    types,
    // KubeConfig's order: the first one that claims a user authenticates it.
    authenticators: () => [
      new azure.AzureAuth(),
      new gcp.GoogleCloudPlatformAuth(),
      new exec.ExecAuth(),
      new file.FileAuth(),
      new oidc.OpenIDConnectAuth(),
    ],
    load,
  };
  return () => new LeanKubeConfig(support);
}

export class LeanKubeConfig {
  private readonly authenticators: Authenticator[];
  private clusters: Cluster[] = [];
  private users: User[] = [];
  private contexts: Context[] = [];
  private currentContext: string | undefined;

  constructor(private readonly support: Support) {
    this.authenticators = support.authenticators();
  }

  getContexts(): Context[] {
    return this.contexts;
  }

  getCurrentContext(): string | undefined {
    return this.currentContext;
  }

  setCurrentContext(context: string): void {
    this.currentContext = context;
  }

  getCurrentCluster(): Cluster | null {
    const context = byName(this.contexts, this.currentContext);
    return context ? byName(this.clusters, context.cluster) : null;
  }

  getCurrentUser(): User | null {
    const context = byName(this.contexts, this.currentContext);
    return context ? byName(this.users, context.user) : null;
  }

  loadFromFile(file: string): void {
    this.loadFromString(readFileSync(file, 'utf8'));
    this.makePathsAbsolute(dirname(file));
  }

  loadFromString(text: string): void {
    const object = (this.support.loadYaml(text) ?? {}) as Record<string, unknown>;
    this.clusters = this.support.types.newClusters(object.clusters);
    this.contexts = this.support.types.newContexts(object.contexts);
    this.users = this.support.types.newUsers(object.users);
    this.currentContext = object['current-context'] as string | undefined;
  }

  loadFromCluster(pathPrefix = ''): void {
    const host = process.env.KUBERNETES_SERVICE_HOST;
    const port = process.env.KUBERNETES_SERVICE_PORT;
    const scheme = port === '80' || port === '8080' || port === '8001' ? 'http' : 'https';
    const serverHost = host && isIPv6(host) ? `[${host}]` : host;
    this.clusters = [
      {
        name: 'inCluster',
        caFile: `${pathPrefix}${SERVICEACCOUNT_ROOT}/ca.crt`,
        server: `${scheme}://${serverHost}:${port}`,
        skipTLSVerify: false,
      },
    ];
    this.users = [
      {
        name: 'inClusterUser',
        authProvider: { name: 'tokenFile', config: { tokenFile: `${pathPrefix}${SERVICEACCOUNT_ROOT}/token` } },
      },
    ];
    let namespace: string | undefined;
    try {
      namespace = readFileSync(`${pathPrefix}${SERVICEACCOUNT_ROOT}/namespace`, 'utf8');
    } catch {
      // no namespace file: the context has none
    }
    this.contexts = [{ cluster: 'inCluster', name: 'inClusterContext', user: 'inClusterUser', namespace }];
    this.currentContext = 'inClusterContext';
  }

  /** Adds another config's entries (a duplicate name throws); its current context wins unless preserved. */
  mergeConfig(config: LeanKubeConfig, preserveContext = false): void {
    if (!preserveContext && config.currentContext) this.currentContext = config.currentContext;
    addUnique(this.clusters, config.clusters, 'cluster');
    addUnique(this.users, config.users, 'user');
    addUnique(this.contexts, config.contexts, 'context');
  }

  /** TLS material, credentials and an agent (proxy-aware) for node:http(s) and ws. */
  async applyToHTTPSOptions(opts: https.RequestOptions & { servername?: string }): Promise<void> {
    const user = this.getCurrentUser();
    const cluster = this.getCurrentCluster();
    await this.applyOptions(opts);
    if (user?.username) opts.auth = `${user.username}:${user.password}`;
    const agentOptions: https.AgentOptions = {
      ca: opts.ca,
      cert: opts.cert,
      key: opts.key,
      pfx: opts.pfx,
      passphrase: opts.passphrase,
      // Unset means fetch and https follow NODE_TLS_REJECT_UNAUTHORIZED.
      ...(opts.rejectUnauthorized !== undefined ? { rejectUnauthorized: opts.rejectUnauthorized } : {}),
      timeout: opts.timeout,
      servername: opts.servername,
      ciphers: opts.ciphers,
      honorCipherOrder: opts.honorCipherOrder,
      ecdhCurve: opts.ecdhCurve,
      clientCertEngine: opts.clientCertEngine,
      crl: opts.crl,
      dhparam: opts.dhparam,
      secureOptions: opts.secureOptions,
      secureProtocol: opts.secureProtocol,
      sessionIdContext: opts.sessionIdContext,
    };
    opts.agent = await this.createAgent(cluster, agentOptions);
  }

  /** The same as applyToHTTPSOptions, in the shape node-fetch takes (client-node's Watch). */
  async applyToFetchOptions(opts: https.RequestOptions): Promise<{
    agent: https.RequestOptions['agent'];
    headers: Record<string, string>;
    method?: string;
    timeout?: number;
  }> {
    await this.applyToHTTPSOptions(opts);
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(opts.headers ?? {})) {
      if (Array.isArray(value)) headers[key] = value.join(', ');
      else if (typeof value === 'number' || typeof value === 'string') headers[key] = String(value);
    }
    if (opts.auth) headers.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
    return { agent: opts.agent, headers, method: opts.method, timeout: opts.timeout };
  }

  private makePathsAbsolute(root: string): void {
    for (const cluster of this.clusters) if (cluster.caFile) cluster.caFile = absolute(root, cluster.caFile);
    for (const user of this.users) {
      if (user.certFile) user.certFile = absolute(root, user.certFile);
      if (user.keyFile) user.keyFile = absolute(root, user.keyFile);
    }
  }

  private async createAgent(cluster: Cluster | null, agentOptions: https.AgentOptions): Promise<http.Agent> {
    if (cluster?.proxyUrl) {
      if (cluster.proxyUrl.startsWith('socks')) {
        const { SocksProxyAgent } = (await this.support.load('socks-proxy-agent')) as {
          SocksProxyAgent: new (url: string, options: object) => http.Agent;
        };
        return new SocksProxyAgent(cluster.proxyUrl, agentOptions);
      }
      const agents = (await this.support.load('hpagent')) as {
        HttpProxyAgent: AgentClass;
        HttpsProxyAgent: AgentClass;
      };
      if (cluster.server.startsWith('https'))
        return new agents.HttpsProxyAgent({ ...agentOptions, proxy: cluster.proxyUrl });
      if (cluster.server.startsWith('http'))
        return new agents.HttpProxyAgent({ ...agentOptions, proxy: cluster.proxyUrl });
      throw new Error('Unsupported proxy type');
    }
    if (cluster?.server?.startsWith('http:')) {
      if (!cluster.skipTLSVerify)
        throw new Error('HTTP protocol is not allowed when skipTLSVerify is not set or false');
      return new http.Agent(agentOptions);
    }
    return new https.Agent(agentOptions);
  }

  private async applyOptions(opts: https.RequestOptions & { servername?: string }): Promise<void> {
    const cluster = this.getCurrentCluster();
    const user = this.getCurrentUser();
    if (!user) return;
    if (cluster?.skipTLSVerify) opts.rejectUnauthorized = false;
    if (cluster?.tlsServerName) opts.servername = cluster.tlsServerName;
    const ca = cluster ? bufferFromFileOrString(cluster.caFile, cluster.caData) : null;
    if (ca) opts.ca = ca;
    const cert = bufferFromFileOrString(user.certFile, user.certData);
    if (cert) opts.cert = cert;
    const key = bufferFromFileOrString(user.keyFile, user.keyData);
    if (key) opts.key = key;
    opts.headers ??= {};
    const headers = opts.headers as http.OutgoingHttpHeaders;
    if (user.impersonateUser != null) headers['Impersonate-User'] = user.impersonateUser;
    const authenticator = this.authenticators.find((candidate) => candidate.isAuthProvider(user));
    if (authenticator) await authenticator.applyAuthentication(user, opts);
    if (user.token) (opts.headers as http.OutgoingHttpHeaders).Authorization = `Bearer ${user.token}`;
  }
}

// newClusters/newUsers/newContexts flatten the kubeconfig's nested entries: a lookup by name is all findObject does then.
function byName<T extends { name: string }>(list: readonly T[], name: string | undefined): T | null {
  return list.find((entry) => entry.name === name) ?? null;
}

function addUnique<T extends { name: string }>(into: T[], from: readonly T[], kind: string): void {
  for (const entry of from) {
    if (into.some((existing) => existing.name === entry.name)) throw new Error(`Duplicate ${kind}: ${entry.name}`);
    into.push(entry);
  }
}

function absolute(root: string, file: string): string {
  return isAbsolute(file) ? file : join(root, file);
}

function bufferFromFileOrString(file: string | undefined, data: string | undefined): Buffer | null {
  if (file) return readFileSync(file);
  if (data) return Buffer.from(data, 'base64');
  return null;
}
