/**
 * LeanKubeConfig against client-node's own KubeConfig: for the same kubeconfig files, the
 * same contexts and clusters, and the same TLS material, headers (token, basic, impersonation,
 * an exec plugin's token) and agent for every context, merged files and in-cluster included.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LeanKubeConfig, loadKubeConfigSupport } from './kube-config.js';

const b64 = (text: string) => Buffer.from(text).toString('base64');
// An exec credential plugin that prints a token, run by client-node's ExecAuth in both configs.
const EXEC_SCRIPT =
  'process.stdout.write(JSON.stringify({apiVersion:"client.authentication.k8s.io/v1",kind:"ExecCredential",status:{token:"from-exec"}}))';

const KUBECONFIG = `apiVersion: v1
kind: Config
current-context: tls
clusters:
- name: tls
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority: certs/ca.crt
    tls-server-name: kube.internal
- name: insecure
  cluster:
    server: http://127.0.0.1:8080
    insecure-skip-tls-verify: true
- name: proxied
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority-data: ${b64('proxied ca')}
    proxy-url: http://127.0.0.1:3128
- name: socks
  cluster:
    server: https://127.0.0.1:6443
    proxy-url: socks5://127.0.0.1:1080
users:
- name: certs
  user:
    client-certificate: certs/client.crt
    client-key-data: ${b64('client key')}
    as: someone
- name: token
  user:
    token: abc
- name: basic
  user:
    username: u
    password: p
- name: exec
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ${JSON.stringify(process.execPath)}
      args: ["-e", ${JSON.stringify(EXEC_SCRIPT)}]
      interactiveMode: Never
contexts:
- name: tls
  context: { cluster: tls, user: certs }
- name: insecure
  context: { cluster: insecure, user: token, namespace: ci }
- name: proxied
  context: { cluster: proxied, user: basic }
- name: socks
  context: { cluster: socks, user: token }
- name: exec
  context: { cluster: insecure, user: exec }
`;

let dir: string;
let newConfig: () => LeanKubeConfig;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kube-config-test-'));
  await mkdir(join(dir, 'certs'));
  await writeFile(join(dir, 'certs', 'ca.crt'), 'file ca');
  await writeFile(join(dir, 'certs', 'client.crt'), 'file cert');
  await writeFile(join(dir, 'config'), KUBECONFIG);
  await writeFile(
    join(dir, 'other'),
    'apiVersion: v1\nkind: Config\ncurrent-context: other\nclusters:\n- name: other\n  cluster: { server: https://127.0.0.1:7443 }\nusers:\n- name: other\n  user: { token: t2 }\ncontexts:\n- name: other\n  context: { cluster: other, user: other }\n',
  );
  await writeFile(
    join(dir, 'duplicate'),
    'apiVersion: v1\nkind: Config\nclusters:\n- name: tls\n  cluster: { server: https://127.0.0.1:9443 }\n',
  );
  newConfig = await loadKubeConfigSupport();
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** What applyToHTTPSOptions and applyToFetchOptions give, in comparable form. */
async function applied(config: KubeConfig | LeanKubeConfig) {
  const https: RequestOptions & { servername?: string } = {};
  await config.applyToHTTPSOptions(https);
  const fetch = await config.applyToFetchOptions({});
  const agent = https.agent as { constructor: { name: string }; proxy?: URL | { href?: string }; options?: object };
  // client-node gives node-fetch Headers, LeanKubeConfig a plain record: node-fetch takes either.
  const raw = fetch.headers as unknown as { entries?: () => Iterable<[string, string]> };
  const headerEntries = typeof raw.entries === 'function' ? [...raw.entries()] : Object.entries(raw);
  return {
    ca: https.ca?.toString(),
    cert: https.cert?.toString(),
    key: https.key?.toString(),
    auth: https.auth,
    headers: https.headers,
    rejectUnauthorized: https.rejectUnauthorized,
    servername: https.servername,
    agent: agent.constructor.name,
    proxy: agent.proxy ? String((agent.proxy as { href?: string }).href ?? agent.proxy) : undefined,
    fetchHeaders: Object.fromEntries(headerEntries.map(([k, v]) => [k.toLowerCase(), v])),
  };
}

describe('LeanKubeConfig, as client-node KubeConfig', () => {
  it('reads the same contexts, and applies the same options for every context', async () => {
    const real = new KubeConfig();
    real.loadFromFile(join(dir, 'config'));
    const lean = newConfig();
    lean.loadFromFile(join(dir, 'config'));
    expect(lean.getContexts()).toEqual(real.getContexts());
    expect(lean.getCurrentContext()).toBe('tls');
    for (const context of ['tls', 'insecure', 'proxied', 'socks', 'exec']) {
      real.setCurrentContext(context);
      lean.setCurrentContext(context);
      expect(lean.getCurrentCluster(), context).toEqual(real.getCurrentCluster());
      expect(lean.getCurrentUser(), context).toEqual(real.getCurrentUser());
      const expected = await applied(real);
      expect(await applied(lean), context).toEqual(expected);
    }
    // What the comparison covered, so that it cannot pass on two empty results.
    real.setCurrentContext('tls');
    expect(await applied(real)).toMatchObject({
      ca: 'file ca',
      cert: 'file cert',
      key: 'client key',
      servername: 'kube.internal',
      headers: { 'Impersonate-User': 'someone' },
      agent: 'Agent',
    });
    real.setCurrentContext('exec');
    expect((await applied(real)).headers).toEqual({ Authorization: 'Bearer from-exec' });
    real.setCurrentContext('proxied');
    expect(await applied(real)).toMatchObject({ auth: 'u:p', agent: 'HttpsProxyAgent' });
  });

  it('merges files as KubeConfig does: the later current-context wins, a duplicate name throws', () => {
    const real = new KubeConfig();
    real.loadFromFile(join(dir, 'config'));
    const realOther = new KubeConfig();
    realOther.loadFromFile(join(dir, 'other'));
    real.mergeConfig(realOther);
    const lean = newConfig();
    lean.loadFromFile(join(dir, 'config'));
    const leanOther = newConfig();
    leanOther.loadFromFile(join(dir, 'other'));
    lean.mergeConfig(leanOther);
    expect(lean.getContexts()).toEqual(real.getContexts());
    expect(lean.getCurrentCluster()).toEqual(real.getCurrentCluster());
    expect(lean.getCurrentCluster()?.server).toBe('https://127.0.0.1:7443');

    const realDuplicate = new KubeConfig();
    realDuplicate.loadFromFile(join(dir, 'duplicate'));
    const leanDuplicate = newConfig();
    leanDuplicate.loadFromFile(join(dir, 'duplicate'));
    expect(() => real.mergeConfig(realDuplicate)).toThrow('Duplicate cluster: tls');
    expect(() => lean.mergeConfig(leanDuplicate)).toThrow('Duplicate cluster: tls');
  });

  it('loads the in-cluster service account as KubeConfig does', async () => {
    const prefix = join(dir, 'pod');
    const account = join(prefix, 'var/run/secrets/kubernetes.io/serviceaccount');
    await mkdir(account, { recursive: true });
    await writeFile(join(account, 'token'), 'pod-token');
    await writeFile(join(account, 'ca.crt'), 'pod ca');
    await writeFile(join(account, 'namespace'), 'builds');
    const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
    process.env.KUBERNETES_SERVICE_HOST = 'fd00::1';
    process.env.KUBERNETES_SERVICE_PORT = '443';
    try {
      const real = new KubeConfig();
      real.loadFromCluster(prefix);
      const lean = newConfig();
      lean.loadFromCluster(prefix);
      expect(lean.getContexts()).toEqual(real.getContexts());
      expect(lean.getCurrentCluster()).toEqual(real.getCurrentCluster());
      expect(lean.getCurrentCluster()?.server).toBe('https://[fd00::1]:443');
      const expected = await applied(real);
      expect(expected).toMatchObject({ ca: 'pod ca', headers: { Authorization: 'Bearer pod-token' } });
      expect(await applied(lean)).toEqual(expected);
    } finally {
      for (const [key, value] of [
        ['KUBERNETES_SERVICE_HOST', saved.host],
        ['KUBERNETES_SERVICE_PORT', saved.port],
      ] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });
});
