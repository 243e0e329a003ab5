// A target registry on HTTPS with a private CA: the CA named in the registry settings is trusted, as by core's client.
import { testEnv } from '@imagespec/test-env';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProject, registryAccess, resolveSpec, runEngine, uniqueName } from '../test/e2e-harness.js';

interface TlsRegistry {
  readonly host: string;
  readonly caFile: string;
  close(): Promise<void>;
}

// core's test helper (a docker-registry behind a CA made with openssl), loaded by path: it
// lives outside this package's sources, which its typecheck does not cross.
const TLS_HELPER = new URL('../../core/test/registry/tls-registry.ts', import.meta.url).href;
const startTlsRegistry = async (): Promise<TlsRegistry> =>
  ((await import(TLS_HELPER)) as { startTlsRegistry(): Promise<TlsRegistry> }).startTlsRegistry();

describe('builder-oci on a registry with a private CA', () => {
  let tls: TlsRegistry;
  beforeAll(async () => {
    tls = await startTlsRegistry();
  });
  afterAll(() => tls?.close());

  it('pushes with the CA configured for the registry, and fails with the TLS error and a hint without it', async () => {
    const { baseImages } = testEnv();
    const dir = await makeProject({ 'hello.txt': 'tls\n' });
    const spec = resolveSpec(
      { name: uniqueName('tls'), registry: tls.host, baseImage: baseImages.busybox, copy: ['hello.txt'] },
      dir,
    );
    const withCa = await runEngine([spec], {
      access: registryAccess({ auths: {} }, { [tls.host]: { ca: tls.caFile } }),
    });
    expect(withCa.summary.images[0]).toMatchObject({ status: 'pushed', builder: 'oci' });
    const other = resolveSpec(
      { name: uniqueName('tls-noca'), registry: tls.host, baseImage: baseImages.busybox, copy: ['hello.txt'] },
      dir,
    );
    const without = await runEngine([other], {
      access: registryAccess({ auths: {} }, { [tls.host]: { insecure: false } }),
    });
    expect(without.summary.images[0]?.error?.message).toContain('unable to verify the first certificate');
  });
});
