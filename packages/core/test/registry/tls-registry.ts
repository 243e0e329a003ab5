import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHttpFetch } from '../../src/registry/http-fetch.js';
import { type RegistryProcess, startRegistryProcess } from './registry-process.js';

/** A real docker-registry serving HTTPS on 127.0.0.1 with a certificate from a private CA made with openssl. */
export interface TlsRegistry {
  readonly host: string;
  readonly url: string;
  /** The private CA's PEM file and text. */
  readonly caFile: string;
  readonly caPem: string;
  close(): Promise<void>;
}

export async function startTlsRegistry(): Promise<TlsRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'imagespec-tls-registry-'));
  let registry: RegistryProcess | undefined;
  const close = async () => {
    await registry?.stop();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const file = (name: string) => join(dir, name);
    const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
    openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      file('ca.key'),
      '-out',
      file('ca.pem'),
      '-days',
      '2',
      '-subj',
      '/CN=imagespec test CA',
    );
    openssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      file('server.key'),
      '-out',
      file('server.csr'),
      '-subj',
      '/CN=127.0.0.1',
    );
    await writeFile(file('san.ext'), 'subjectAltName=IP:127.0.0.1\n');
    openssl(
      'x509',
      '-req',
      '-in',
      file('server.csr'),
      '-CA',
      file('ca.pem'),
      '-CAkey',
      file('ca.key'),
      '-CAcreateserial',
      '-out',
      file('server.pem'),
      '-days',
      '2',
      '-extfile',
      file('san.ext'),
    );
    const caPem = await readFile(file('ca.pem'), 'utf8');
    registry = await startRegistryProcess({
      dir,
      scheme: 'https',
      ready: 200,
      fetch: createHttpFetch({ ca: caPem }),
      extra: ['  tls:', `    certificate: ${file('server.pem')}`, `    key: ${file('server.key')}`],
    });
    return { host: registry.host, url: `https://${registry.host}`, caFile: file('ca.pem'), caPem, close };
  } catch (error) {
    await close();
    throw error;
  }
}
