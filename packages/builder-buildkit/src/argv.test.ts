import { describe, expect, it } from 'vitest';
import {
  type BuildctlInvocation,
  registryCacheRef,
  registryRefs,
  renderBuildArgv,
  renderGlobalArgs,
  renderProbeArgv,
} from './argv.js';
import { type BuildkitOptionsInput, buildkitOptionsSchema, resolveBuildkitOptions } from './options.js';

const options = (input: BuildkitOptionsInput = {}, env: Record<string, string> = {}) =>
  resolveBuildkitOptions(buildkitOptionsSchema.parse(input), { env, cwd: '/cfg' });

const call = (overrides: Partial<BuildctlInvocation> = {}): BuildctlInvocation => ({
  image: 'registry.example:5000/team/app:3kq7abc',
  output: { type: 'push' },
  platforms: [],
  secrets: [],
  paths: { context: '/tmp/b/context', dockerfile: '/tmp/b/dockerfile', metadataFile: '/tmp/b/metadata.json' },
  filename: 'Dockerfile',
  insecure: () => false,
  ...overrides,
});

/** The argv between `--local dockerfile=...` and `--progress`: what the options change. */
const middle = (argv: string[]) => argv.slice(argv.indexOf('--local') + 4, argv.indexOf('--progress'));

describe('buildctl argv', () => {
  it('renders a default push build exactly', () => {
    expect(renderBuildArgv(options(), call())).toEqual([
      '--addr',
      'unix:///run/buildkit/buildkitd.sock',
      'build',
      '--frontend',
      'dockerfile.v0',
      '--opt',
      'filename=Dockerfile',
      '--local',
      'context=/tmp/b/context',
      '--local',
      'dockerfile=/tmp/b/dockerfile',
      '--output',
      'type=image,name=registry.example:5000/team/app:3kq7abc,push=true',
      '--progress',
      'rawjson',
      '--metadata-file',
      '/tmp/b/metadata.json',
    ]);
  });

  it('uses the address from BUILDKIT_HOST and the TLS files', () => {
    expect(
      renderGlobalArgs(
        options(
          {
            tls: { ca: 'ca.pem', cert: 'cert.pem', key: 'key.pem', serverName: 'buildkitd.ci' },
            connectTimeoutSeconds: 20,
          },
          { BUILDKIT_HOST: 'tcp://buildkitd.ci:1234' },
        ),
      ),
    ).toEqual([
      '--addr',
      'tcp://buildkitd.ci:1234',
      '--tlsservername',
      'buildkitd.ci',
      '--tlscacert',
      '/cfg/ca.pem',
      '--tlscert',
      '/cfg/cert.pem',
      '--tlskey',
      '/cfg/key.pem',
      '--timeout',
      '20',
    ]);
    expect(renderGlobalArgs(options({ addr: 'docker-container://buildkitd', tls: { dir: '/certs' } }))).toEqual([
      '--addr',
      'docker-container://buildkitd',
      '--tlsdir',
      '/certs',
    ]);
  });

  it('probes with debug workers and the same connection flags', () => {
    expect(renderProbeArgv(options({ addr: 'tcp://b:1234', tls: { dir: '/certs' } }))).toEqual([
      '--addr',
      'tcp://b:1234',
      '--tlsdir',
      '/certs',
      'debug',
      'workers',
    ]);
  });

  it('marks insecure registries on the output', () => {
    const argv = renderBuildArgv(options(), call({ insecure: (host) => host === 'registry.example:5000' }));
    expect(argv[argv.indexOf('--output') + 1]).toBe(
      'type=image,name=registry.example:5000/team/app:3kq7abc,push=true,registry.insecure=true',
    );
  });

  it('writes an OCI tarball when not pushing', () => {
    const argv = renderBuildArgv(options(), call({ output: { type: 'oci', dest: '/out/app.oci.tar' } }));
    expect(argv[argv.indexOf('--output') + 1]).toBe(
      'type=oci,dest=/out/app.oci.tar,name=registry.example:5000/team/app:3kq7abc',
    );
  });

  it('takes platforms from the request, else from the options', () => {
    const argv = renderBuildArgv(
      options({ platforms: ['linux/arm64'] }),
      call({ platforms: ['linux/amd64', 'linux/arm64'] }),
    );
    expect(argv.slice(argv.indexOf('--opt'), argv.indexOf('--opt') + 2)).toEqual([
      '--opt',
      'platform=linux/amd64,linux/arm64',
    ]);
    const fallback = renderBuildArgv(options({ platforms: ['linux/arm64'] }), call());
    expect(fallback).toContain('platform=linux/arm64');
  });

  it('uses a frontend image and extra frontend options', () => {
    const argv = renderBuildArgv(
      options({
        frontendImage: 'registry.example/dockerfile:1.7',
        frontendOpts: { 'build-arg:PIP_INDEX_URL': 'http://pypi.local', 'add-hosts': 'pypi.local=127.0.0.1' },
      }),
      call(),
    );
    expect(argv.slice(argv.indexOf('build'), argv.indexOf('--local'))).toEqual([
      'build',
      '--frontend',
      'gateway.v0',
      '--opt',
      'source=registry.example/dockerfile:1.7',
      '--opt',
      'build-arg:PIP_INDEX_URL=http://pypi.local',
      '--opt',
      'add-hosts=pypi.local=127.0.0.1',
      '--opt',
      'filename=Dockerfile',
    ]);
  });

  it("names the Dockerfile the builder wrote, after the frontend options (a user's own file name for a Dockerfile spec)", () => {
    const argv = renderBuildArgv(
      options({ frontendOpts: { 'add-hosts': 'a=127.0.0.1' } }),
      call({ filename: 'app.Dockerfile' }),
    );
    expect(argv.slice(argv.indexOf('--frontend'), argv.indexOf('--local'))).toEqual([
      '--frontend',
      'dockerfile.v0',
      '--opt',
      'add-hosts=a=127.0.0.1',
      '--opt',
      'filename=app.Dockerfile',
    ]);
  });

  it('with verify: the verify solve targets its stage, imports caches and exports nothing; the image solve targets the image', () => {
    const opts = options({ cache: { type: 'registry' } });
    const verify = renderBuildArgv(opts, call({ solve: 'verify' }));
    const image = renderBuildArgv(opts, call({ solve: 'image' }));
    const beforeLocals = (argv: string[]) => argv.slice(argv.indexOf('--local') - 2, argv.indexOf('--local'));
    expect(beforeLocals(verify)).toEqual(['--opt', 'target=imagespec-verify']);
    expect(verify.slice(verify.indexOf('--local') + 4)).toEqual([
      '--import-cache',
      'type=registry,ref=registry.example:5000/team/app:buildcache',
      '--progress',
      'rawjson',
    ]);
    const plain = renderBuildArgv(opts, call());
    const locals = plain.indexOf('--local');
    expect(image).toEqual([...plain.slice(0, locals), '--opt', 'target=imagespec-image', ...plain.slice(locals)]);
  });

  it('passes secrets by file or by environment variable, never by value, quoting commas', () => {
    const argv = renderBuildArgv(
      options(),
      call({
        secrets: [
          { id: 'netrc', src: '/home/me/.netrc', target: '/root/.netrc' },
          { id: 'pipconf', env: 'PIP_CONF', target: '/etc/pip.conf' },
          { id: 'odd', src: '/path/with,comma', target: '/x' },
        ],
      }),
    );
    expect(middle(argv)).toEqual([
      '--secret',
      'id=netrc,src=/home/me/.netrc',
      '--secret',
      'id=pipconf,env=PIP_CONF',
      '--secret',
      'id=odd,"src=/path/with,comma"',
      '--output',
      'type=image,name=registry.example:5000/team/app:3kq7abc,push=true',
    ]);
  });

  it('exports and imports a registry cache beside the pushed image', () => {
    const argv = renderBuildArgv(options({ cache: { type: 'registry' } }), call({ insecure: () => true }));
    expect(argv.slice(argv.indexOf('--export-cache'), argv.indexOf('--progress'))).toEqual([
      '--export-cache',
      'type=registry,ref=registry.example:5000/team/app:buildcache,mode=max,image-manifest=true,oci-mediatypes=true,registry.insecure=true',
      '--import-cache',
      'type=registry,ref=registry.example:5000/team/app:buildcache,registry.insecure=true',
    ]);
  });

  it('uses a configured registry cache ref and mode, also for unpushed builds', () => {
    const o = options({ cache: { type: 'registry', ref: 'cache.example/team/app-cache:main', mode: 'min' } });
    const argv = renderBuildArgv(o, call({ output: { type: 'oci', dest: '/out/x.tar' } }));
    expect(argv.slice(argv.indexOf('--export-cache'), argv.indexOf('--progress'))).toEqual([
      '--export-cache',
      'type=registry,ref=cache.example/team/app-cache:main,mode=min,image-manifest=true,oci-mediatypes=true',
      '--import-cache',
      'type=registry,ref=cache.example/team/app-cache:main',
    ]);
  });

  it('never guesses a registry cache ref for an unpushed image', () => {
    const o = options({ cache: { type: 'registry' } });
    const unpushed = call({ output: { type: 'oci', dest: '/out/x.tar' } });
    expect(registryCacheRef(o, unpushed)).toBeUndefined();
    expect(renderBuildArgv(o, unpushed)).not.toContain('--export-cache');
  });

  it('exports inline cache and imports it from the named images', () => {
    const argv = renderBuildArgv(
      options({ cache: { type: 'inline', from: ['registry.example:5000/team/app:latest'] } }),
      call({ insecure: () => true }),
    );
    expect(argv.slice(argv.indexOf('--export-cache'), argv.indexOf('--progress'))).toEqual([
      '--export-cache',
      'type=inline',
      '--import-cache',
      'type=registry,ref=registry.example:5000/team/app:latest,registry.insecure=true',
    ]);
  });

  it('uses a local cache folder, importing only once it holds a cache', () => {
    const o = options({ cache: { type: 'local', dir: 'cache', mode: 'min' } });
    const first = renderBuildArgv(o, call({ localCacheExists: false }));
    expect(first.slice(first.indexOf('--export-cache'), first.indexOf('--progress'))).toEqual([
      '--export-cache',
      'type=local,dest=/cfg/cache,mode=min',
    ]);
    const later = renderBuildArgv(o, call({ localCacheExists: true }));
    expect(later.slice(later.indexOf('--import-cache'), later.indexOf('--progress'))).toEqual([
      '--import-cache',
      'type=local,src=/cfg/cache',
    ]);
  });

  it('lists every registry reference the build touches', () => {
    expect(registryRefs(options({ cache: { type: 'registry' } }), call())).toEqual([
      'registry.example:5000/team/app:3kq7abc',
      'registry.example:5000/team/app:buildcache',
    ]);
    expect(registryRefs(options({ cache: { type: 'inline', from: ['r.example/a:latest'] } }), call())).toEqual([
      'registry.example:5000/team/app:3kq7abc',
      'r.example/a:latest',
    ]);
    expect(registryRefs(options(), call({ output: { type: 'oci', dest: '/x' } }))).toEqual([]);
  });
});
