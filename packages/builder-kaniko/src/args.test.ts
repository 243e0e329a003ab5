import { describe, expect, it } from 'vitest';
import { computeExecutorArgs, validateExtraArgs } from './args.js';
import { kanikoOptionsSchema } from './options.js';

describe('validateExtraArgs', () => {
  it('accepts --flag and --flag=value', () => {
    expect(validateExtraArgs(['--reproducible', '--build-arg=A=1', '--label=x=y z', '--snapshot-mode=redo'])).toEqual(
      [],
    );
  });

  it('never lets an extra arg replace the flags the builder sets', () => {
    expect(
      validateExtraArgs([
        '--context=dir:///evil',
        '--destination=evil/image:1',
        '-d=evil',
        '-c',
        '--dockerfile=Other',
        '--digest-file=/tmp/x',
        '--no-push',
        '--log-format=color',
        '--target=final',
      ]),
    ).toEqual([
      'extraArgs[0] "--context=dir:///evil" would override --context, which the builder sets',
      'extraArgs[1] "--destination=evil/image:1" would override --destination, which the builder sets',
      'extraArgs[2] "-d=evil" would override --destination, which the builder sets',
      'extraArgs[3] "-c" would override --context, which the builder sets',
      'extraArgs[4] "--dockerfile=Other" would override --dockerfile, which the builder sets',
      'extraArgs[5] "--digest-file=/tmp/x" would override --digest-file, which the builder sets',
      'extraArgs[6] "--no-push" would override --no-push, which the builder sets',
      'extraArgs[7] "--log-format=color" would override --log-format, which the builder sets',
      'extraArgs[8] "--target=final" would override --target, which the builder sets',
    ]);
  });

  it('rejects separate value tokens, which the flag parser could read as flags', () => {
    expect(validateExtraArgs(['--build-arg', 'A=1', '-v=debug', '--x=a\nb'])).toEqual([
      'extraArgs[1] "A=1" is not of the form --flag or --flag=value',
      'extraArgs[2] "-v=debug": use the long --flag=value form',
      'extraArgs[3] contains a newline',
    ]);
  });

  it('is part of the options schema, so config errors carry the path', () => {
    const result = kanikoOptionsSchema.safeParse({ extraArgs: ['--destination=x'] });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([
      ['extraArgs', 'extraArgs[0] "--destination=x" would override --destination, which the builder sets'],
    ]);
  });
});

describe('computeExecutorArgs', () => {
  const base = {
    image: 'registry.example/app:abc',
    push: true,
    context: 'tar://stdin',
    dockerfile: 'Dockerfile',
    logFormat: 'json' as const,
    cache: false as const,
    insecureRegistries: [],
    skipTlsVerifyRegistries: [],
    extraArgs: [],
  };

  it('builds from stdin, pushes to the destination and writes the digest to the termination log', () => {
    expect(computeExecutorArgs(base)).toEqual([
      '--context=tar://stdin',
      '--dockerfile=Dockerfile',
      '--destination=registry.example/app:abc',
      '--digest-file=/dev/termination-log',
      '--log-format=json',
    ]);
  });

  it("reads the Dockerfile where the context has it (a spec's own Dockerfile: .imagespec.Dockerfile)", () => {
    expect(computeExecutorArgs({ ...base, dockerfile: '.imagespec.Dockerfile' }).slice(0, 2)).toEqual([
      '--context=tar://stdin',
      '--dockerfile=.imagespec.Dockerfile',
    ]);
  });

  it('pushes nothing, not even cache layers, without push', () => {
    expect(computeExecutorArgs({ ...base, push: false })).toContain('--no-push');
    expect(computeExecutorArgs({ ...base, push: false })).toContain('--no-push-cache');
  });

  it('adds cache, platform, per-registry TLS flags, then extra args last', () => {
    expect(
      computeExecutorArgs({
        ...base,
        context: 's3://bucket/ctx.tar.gz',
        contextSubPath: 'sub',
        cache: { repo: 'registry.example/app/cache', ttl: '24h' },
        platform: 'linux/arm64',
        insecureRegistries: ['localhost:5000', 'localhost:5000', 'a:1'],
        skipTlsVerifyRegistries: ['self-signed.example'],
        extraArgs: ['--reproducible'],
      }),
    ).toEqual([
      '--context=s3://bucket/ctx.tar.gz',
      '--context-sub-path=sub',
      '--dockerfile=Dockerfile',
      '--destination=registry.example/app:abc',
      '--digest-file=/dev/termination-log',
      '--log-format=json',
      '--cache=true',
      '--cache-repo=registry.example/app/cache',
      '--cache-ttl=24h',
      '--custom-platform=linux/arm64',
      '--insecure-registry=a:1',
      '--insecure-registry=localhost:5000',
      '--skip-tls-verify-registry=self-signed.example',
      '--reproducible',
    ]);
  });
});
