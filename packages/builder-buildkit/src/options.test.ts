import { describe, expect, it } from 'vitest';
import { buildkitOptionsSchema, DEFAULT_BUILDKIT_ADDR, resolveBuildkitOptions } from './options.js';

const parse = (input: unknown) => buildkitOptionsSchema.parse(input);
const issues = (input: unknown) => {
  const result = buildkitOptionsSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
};

describe('buildkit options', () => {
  it('has defaults for everything', () => {
    expect(parse({})).toEqual({
      buildctl: 'buildctl',
      platforms: [],
      frontendOpts: {},
      timeoutMs: 0,
      probeTimeoutMs: 15_000,
      cancelGraceMs: 10_000,
    });
  });

  it('refuses a frontend target: the builder picks the stage', () => {
    expect(issues({ frontendOpts: { target: 'other' } })).toEqual([
      'frontendOpts: target is the builder’s: it builds the image stage, and the verify stage before it',
    ]);
    expect(issues({ frontendOpts: { filename: 'Other.Dockerfile' } })).toEqual([
      'frontendOpts: filename is the builder’s: it writes the Dockerfile it hands buildctl',
    ]);
  });

  it('takes the address from the option, then BUILDKIT_HOST, then buildctl’s default', () => {
    const env = { BUILDKIT_HOST: 'tcp://buildkitd:1234' };
    expect(resolveBuildkitOptions(parse({ addr: 'kube-pod://buildkitd-0' }), { env, cwd: '/' })).toMatchObject({
      addr: 'kube-pod://buildkitd-0',
      addrSource: 'option',
    });
    expect(resolveBuildkitOptions(parse({}), { env, cwd: '/' })).toMatchObject({
      addr: 'tcp://buildkitd:1234',
      addrSource: 'BUILDKIT_HOST',
    });
    expect(resolveBuildkitOptions(parse({}), { env: { BUILDKIT_HOST: ' ' }, cwd: '/' })).toMatchObject({
      addr: DEFAULT_BUILDKIT_ADDR,
      addrSource: 'default',
    });
  });

  it('resolves relative paths against the config folder, and leaves a bare buildctl name to PATH', () => {
    const resolved = resolveBuildkitOptions(
      parse({
        buildctl: './bin/buildctl',
        tls: { ca: 'certs/ca.pem', cert: '/abs/cert.pem', key: 'certs/key.pem', serverName: 'buildkitd' },
        cache: { type: 'local', dir: '.cache/bk' },
        ociDir: 'out',
      }),
      { env: {}, cwd: '/project' },
    );
    expect(resolved).toMatchObject({
      buildctl: '/project/bin/buildctl',
      tls: {
        ca: '/project/certs/ca.pem',
        cert: '/abs/cert.pem',
        key: '/project/certs/key.pem',
        serverName: 'buildkitd',
      },
      cache: { type: 'local', dir: '/project/.cache/bk', mode: 'max' },
      ociDir: '/project/out',
    });
    expect(resolveBuildkitOptions(parse({}), { env: {}, cwd: '/project' }).buildctl).toBe('buildctl');
  });

  it('refuses what buildctl would refuse, with the field path', () => {
    expect(issues({ addr: 'buildkitd:1234' })).toEqual([
      'addr: expected an address with a scheme, e.g. tcp://buildkitd:1234',
    ]);
    expect(issues({ tls: { dir: '/certs', ca: '/ca.pem' } })).toEqual([
      'tls: tls.dir cannot be combined with tls.ca, tls.cert or tls.key (buildctl refuses both)',
    ]);
    expect(issues({ tls: { cert: '/cert.pem' } })).toEqual(['tls: tls.cert and tls.key go together']);
    expect(issues({ cache: { type: 'gha' } })).toHaveLength(1);
    expect(issues({ cache: { type: 'local' } })).toHaveLength(1);
    expect(issues({ cache: { type: 'registry', mode: 'all' } })).toHaveLength(1);
    expect(issues({ adress: 'tcp://x:1' })).toHaveLength(1);
    expect(issues({ timeoutMs: -1 })).toHaveLength(1);
  });
});
