import { execFileSync } from 'node:child_process';
import { randomUUID, sign, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalServer, startHttpServer } from './local-servers.js';
import { type RegistryProcess, startRegistryProcess } from './registry-process.js';

/**
 * A real docker-registry (distribution) in `auth: token` mode on a free 127.0.0.1 port,
 * with its token server: ours, on 127.0.0.1, issuing RS256 JWTs signed by a key whose
 * self-signed certificate (made with openssl) is the registry's rootcertbundle. This is
 * the protocol Docker Hub, GHCR and Harbor speak; only the token server is ours.
 */
export interface TokenRequest {
  readonly method: string;
  readonly account?: string;
  readonly grant?: string;
  readonly scopes: readonly string[];
  readonly status: number;
}

export interface TokenRegistry {
  /** host:port as used in image references */
  readonly host: string;
  readonly url: string;
  readonly realm: string;
  readonly service: string;
  /** Every token request, in order. */
  readonly requests: TokenRequest[];
  /** A Bearer header value granting `actions` on `repository` (to push fixtures). */
  authorization(repository: string, actions: readonly string[]): string;
  close(): Promise<void>;
}

export interface TokenRegistryOptions {
  /** username -> password */
  readonly users: Readonly<Record<string, string>>;
  /** refresh token (Docker's identity token) -> username */
  readonly refreshTokens?: Readonly<Record<string, string>>;
}

const SERVICE = 'imagespec-test-registry';
const ISSUER = 'imagespec-test-token-server';
const TOKEN_SECONDS = 300;

export async function startTokenRegistry(options: TokenRegistryOptions): Promise<TokenRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'imagespec-token-registry-'));
  let tokenServer: LocalServer | undefined;
  let registry: RegistryProcess | undefined;
  const close = async () => {
    await registry?.stop();
    await tokenServer?.close();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const keyFile = join(dir, 'key.pem');
    const certFile = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        keyFile,
        '-out',
        certFile,
        '-days',
        '2',
        '-subj',
        '/CN=imagespec test token issuer',
      ],
      { stdio: 'ignore' },
    );
    const key = readFileSync(keyFile, 'utf8');
    const certDer = new X509Certificate(readFileSync(certFile)).raw.toString('base64');
    const jwt = (subject: string, access: readonly Access[]) => {
      const now = Math.floor(Date.now() / 1000);
      const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const input = `${encode({ typ: 'JWT', alg: 'RS256', x5c: [certDer] })}.${encode({
        iss: ISSUER,
        sub: subject,
        aud: SERVICE,
        iat: now,
        nbf: now - 10,
        exp: now + TOKEN_SECONDS,
        jti: randomUUID(),
        access,
      })}`;
      return `${input}.${sign('sha256', Buffer.from(input), key).toString('base64url')}`;
    };

    const requests: TokenRequest[] = [];
    tokenServer = await startHttpServer(async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://token');
      const form = req.method === 'POST' ? new URLSearchParams(await readBody(req)) : url.searchParams;
      const scopes = form
        .getAll('scope')
        .flatMap((s) => s.split(' '))
        .filter(Boolean);
      let account: string | undefined;
      let ok = true;
      if (req.method === 'POST') {
        account = options.refreshTokens?.[form.get('refresh_token') ?? ''];
        ok = form.get('grant_type') === 'refresh_token' && account !== undefined && form.get('service') === SERVICE;
      } else {
        const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
        if (basic) {
          const decoded = Buffer.from(basic, 'base64').toString('utf8');
          const user = decoded.slice(0, decoded.indexOf(':'));
          ok = options.users[user] !== undefined && options.users[user] === decoded.slice(decoded.indexOf(':') + 1);
          account = user;
        }
      }
      const status = ok ? 200 : 401;
      requests.push({
        method: req.method ?? 'GET',
        ...(account && { account }),
        ...(form.get('grant_type') && { grant: form.get('grant_type') as string }),
        scopes,
        status,
      });
      res.setHeader('Content-Type', 'application/json');
      if (!ok) {
        res.writeHead(401).end(JSON.stringify({ details: 'incorrect username or password' }));
        return;
      }
      // Anonymous callers get a token with no access, as public token servers do for private repositories.
      const token = jwt(account ?? '', account ? scopes.map(toAccess).filter((a) => a !== undefined) : []);
      res.writeHead(200).end(
        JSON.stringify({
          token,
          access_token: token,
          expires_in: TOKEN_SECONDS,
          issued_at: new Date().toISOString(),
        }),
      );
    });

    const realm = `${tokenServer.url}/token`;
    registry = await startRegistryProcess({
      dir,
      scheme: 'http',
      ready: 401,
      extra: [
        'auth:',
        '  token:',
        `    realm: ${realm}`,
        `    service: ${SERVICE}`,
        `    issuer: ${ISSUER}`,
        `    rootcertbundle: ${certFile}`,
      ],
    });
    const host = registry.host;
    const url = `http://${host}`;
    return {
      host,
      url,
      realm,
      service: SERVICE,
      requests,
      authorization: (repository, actions) =>
        `Bearer ${jwt('fixture', [{ type: 'repository', name: repository, actions }])}`,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

interface Access {
  readonly type: string;
  readonly name: string;
  readonly actions: readonly string[];
}

/** `repository:acme/app:pull,push` -> its access claim. */
function toAccess(scope: string): Access | undefined {
  const [type, ...rest] = scope.split(':');
  const actions = rest.pop();
  if (!type || !actions || rest.length === 0) return undefined;
  return { type, name: rest.join(':'), actions: actions.split(',') };
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) body += chunk;
  return body;
}
