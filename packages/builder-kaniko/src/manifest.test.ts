import { describe, expect, it } from 'vitest';
import { computePodPlan, type PodManifestInput } from './manifest.js';
import { DEFAULT_EXECUTOR_IMAGE, type KanikoOptionsInput, resolveKanikoOptions } from './options.js';
import { parseEcrHost } from './registry-host.js';

const input: PodManifestInput = {
  image: 'registry.example/team/app:3kqabc',
  hash: '3kqabcdefghijklmnopqrstuvw',
  push: true,
  platforms: [],
  insecureRegistries: [],
};
const plan = (options: KanikoOptionsInput = {}, overrides: Partial<PodManifestInput> = {}) =>
  computePodPlan({ ...input, ...overrides }, resolveKanikoOptions(options));
const container = (options: KanikoOptionsInput = {}, overrides: Partial<PodManifestInput> = {}) =>
  plan(options, overrides).manifest.spec.containers[0]!;

describe('computePodPlan', () => {
  it('defaults: one kaniko container reading its context from stdin, in namespace default', () => {
    expect(plan().manifest).toMatchInlineSnapshot(`
      {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
          "annotations": {
            "imagespec.dev/image": "registry.example/team/app:3kqabc",
          },
          "generateName": "imagespec-kaniko-",
          "labels": {
            "app.kubernetes.io/managed-by": "imagespec",
            "app.kubernetes.io/name": "kaniko",
            "imagespec.dev/hash": "3kqabcdefghijklmnopqrstuvw",
          },
          "namespace": "default",
        },
        "spec": {
          "activeDeadlineSeconds": 3900,
          "containers": [
            {
              "args": [
                "--context=tar://stdin",
                "--dockerfile=Dockerfile",
                "--destination=registry.example/team/app:3kqabc",
                "--digest-file=/dev/termination-log",
                "--log-format=json",
              ],
              "image": "ghcr.io/osscontainertools/kaniko:v1.28.5",
              "name": "kaniko",
              "stdin": true,
              "stdinOnce": true,
              "terminationMessagePath": "/dev/termination-log",
              "terminationMessagePolicy": "FallbackToLogsOnError",
              "tty": false,
            },
          ],
          "restartPolicy": "Never",
        },
      }
    `);
    expect(container().image).toBe(DEFAULT_EXECUTOR_IMAGE);
  });

  it('applies every scheduling and metadata option', () => {
    const { spec, metadata } = plan({
      namespace: 'ci',
      serviceAccountName: 'builder',
      priorityClassName: 'batch-low',
      nodeSelector: { pool: 'builds' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'builds', effect: 'NoSchedule' }],
      affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [] } },
      labels: { team: 'ml', 'imagespec.dev/hash': 'spoofed' },
      annotations: { owner: 'ml-platform' },
      imagePullSecrets: ['pull-kaniko'],
      imagePullPolicy: 'IfNotPresent',
      image: 'mirror.example/kaniko:1',
    }).manifest;
    expect(metadata.namespace).toBe('ci');
    expect(metadata.labels).toMatchObject({ team: 'ml', 'imagespec.dev/hash': input.hash });
    expect(metadata.annotations).toEqual({ owner: 'ml-platform', 'imagespec.dev/image': input.image });
    expect(spec).toMatchObject({
      serviceAccountName: 'builder',
      priorityClassName: 'batch-low',
      nodeSelector: { pool: 'builds' },
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'builds', effect: 'NoSchedule' }],
      affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [] } },
      imagePullSecrets: [{ name: 'pull-kaniko' }],
    });
    expect(spec.containers[0]).toMatchObject({ image: 'mirror.example/kaniko:1', imagePullPolicy: 'IfNotPresent' });
  });

  it('sets requests, and limits only when asked', () => {
    expect(container({ resources: { requests: { cpu: '1', memory: '2Gi' } } }).resources).toEqual({
      requests: { cpu: '1', memory: '2Gi' },
    });
    expect(container({ resources: { limits: { memory: '8Gi' } } }).resources).toEqual({ limits: { memory: '8Gi' } });
    expect(container().resources).toBeUndefined();
  });

  it('mounts the registry secret as /kaniko/.docker/config.json', () => {
    const { spec } = plan({ registrySecret: 'regcred' }).manifest;
    expect(spec.volumes).toEqual([
      {
        name: 'docker-config',
        secret: { secretName: 'regcred', items: [{ key: '.dockerconfigjson', path: 'config.json' }] },
      },
    ]);
    expect(spec.containers[0]!.volumeMounts).toEqual([
      { name: 'docker-config', mountPath: '/kaniko/.docker/config.json', subPath: 'config.json', readOnly: true },
    ]);
  });

  it('passes builder env, sorted', () => {
    expect(container({ env: { B: '2', A: '1' } }).env).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: '2' },
    ]);
  });

  it('caches layers, in the inferred or the given repository', () => {
    expect(container({ cache: true }).args).toContain('--cache=true');
    expect(container({ cache: true }).args?.some((arg) => arg.startsWith('--cache-repo'))).toBe(false);
    expect(container({ cache: { repo: 'registry.example/cache' } }).args).toContain(
      '--cache-repo=registry.example/cache',
    );
  });

  it('adds insecure registries from the config and the options, and skip-tls-verify ones', () => {
    const args = container(
      { insecureRegistries: ['mirror.local:5000'], skipTlsVerifyRegistries: ['self-signed.example'] },
      { insecureRegistries: ['localhost:5000'] },
    ).args;
    expect(args).toContain('--insecure-registry=localhost:5000');
    expect(args).toContain('--insecure-registry=mirror.local:5000');
    expect(args).toContain('--skip-tls-verify-registry=self-signed.example');
  });

  it('without push: --no-push', () => {
    expect(container({}, { push: false }).args).toContain('--no-push');
  });

  it('one platform: --custom-platform and a matching node selector the user can override', () => {
    const { spec } = plan({ nodeSelector: { 'kubernetes.io/os': 'linux' } }, { platforms: ['linux/arm64'] }).manifest;
    expect(spec.containers[0]!.args).toContain('--custom-platform=linux/arm64');
    expect(spec.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'arm64' });
  });

  it('with a context URL: Kaniko fetches it, no stdin', () => {
    const result = plan({ contextUrl: 'git://git.example/repo.git#refs/heads/main', contextSubPath: 'images/app' });
    expect(result.streamsContext).toBe(false);
    const kaniko = result.manifest.spec.containers[0]!;
    expect(kaniko.stdin).toBeUndefined();
    expect(kaniko.args?.slice(0, 2)).toEqual([
      '--context=git://git.example/repo.git#refs/heads/main',
      '--context-sub-path=images/app',
    ]);
  });

  it('rejects context URLs Kaniko cannot fetch', () => {
    expect(() => resolveKanikoOptions({ contextUrl: 'ftp://x/y.tar.gz' })).toThrow(
      /s3:\/\/, gs:\/\/, git:\/\/ or https:\/\//,
    );
  });

  it('sets the server-side deadline from both timeouts', () => {
    expect(plan({ pendingTimeoutSeconds: 60, buildTimeoutSeconds: 600 }).manifest.spec.activeDeadlineSeconds).toBe(660);
  });

  it('ECR: leaves out AWS credential variables and can create the repositories first', () => {
    const ecrImage = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app:3kqabc';
    const result = plan(
      {
        env: { AWS_ACCESS_KEY_ID: 'AKIA', AWS_SECRET_ACCESS_KEY: 's', AWS_REGION: 'eu-west-1', HTTP_PROXY: 'p' },
        ecr: { createRepository: true },
        cache: true,
        resources: { requests: { cpu: '500m' } },
      },
      { image: ecrImage },
    );
    expect(result.droppedEnv).toEqual(['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']);
    expect(result.manifest.spec.containers[0]!.env).toEqual([
      { name: 'AWS_REGION', value: 'eu-west-1' },
      { name: 'HTTP_PROXY', value: 'p' },
    ]);
    const init = result.manifest.spec.initContainers![0]!;
    expect(init).toMatchObject({
      name: 'ecr-repository',
      image: 'amazon/aws-cli:2.27.0',
      command: ['sh', '-c', expect.stringContaining('aws ecr create-repository --repository-name "$repo"')],
      env: [
        { name: 'AWS_REGION', value: 'eu-west-1' },
        { name: 'IMAGESPEC_ECR_REPOSITORIES', value: 'team/app team/app/cache' },
      ],
      resources: { requests: { cpu: '500m' } },
    });
    // Repository names reach the script through env only.
    expect(init.command![2]).not.toContain('team/app');
  });

  it('ECR: keeps AWS variables when asked, and adds no init container by default', () => {
    const ecrImage = '123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1';
    const result = plan({ env: { AWS_PROFILE: 'x' }, ecr: { keepAwsCredentialsEnv: true } }, { image: ecrImage });
    expect(result.droppedEnv).toEqual([]);
    expect(result.manifest.spec.initContainers).toBeUndefined();
    expect(plan({ env: { AWS_PROFILE: 'x' } }).droppedEnv).toEqual([]);
  });
});

describe('registry hosts', () => {
  it('recognises ECR hosts', () => {
    expect(parseEcrHost('123456789012.dkr.ecr.eu-west-1.amazonaws.com')).toEqual({
      account: '123456789012',
      region: 'eu-west-1',
    });
    expect(parseEcrHost('registry.example')).toBeUndefined();
  });

  describe('with verify: two pods from one extended Dockerfile', () => {
    const args = (options: KanikoOptionsInput, stage: 'verify' | 'image', overrides: Partial<PodManifestInput> = {}) =>
      container(options, { stage, ...overrides }).args ?? [];

    it('the verify pod builds the verify stage and pushes nothing; the image pod builds and pushes the image stage', () => {
      expect(args({}, 'verify')).toEqual([
        '--context=tar://stdin',
        '--dockerfile=Dockerfile',
        '--destination=registry.example/team/app:3kqabc',
        '--target=imagespec-verify',
        '--no-push',
        '--no-push-cache',
        '--digest-file=/dev/termination-log',
        '--log-format=json',
      ]);
      expect(args({}, 'image')).toEqual([
        '--context=tar://stdin',
        '--dockerfile=Dockerfile',
        '--destination=registry.example/team/app:3kqabc',
        '--target=imagespec-image',
        '--digest-file=/dev/termination-log',
        '--log-format=json',
      ]);
      expect(plan({}, { stage: 'verify' }).manifest.metadata.labels).toMatchObject({ 'imagespec.dev/stage': 'verify' });
      expect(plan({}, { stage: 'image' }).manifest.metadata.labels).toMatchObject({ 'imagespec.dev/stage': 'image' });
    });

    it('with cache, the verify pod pushes its layers to the cache repo (named, as Kaniko requires) for the image pod', () => {
      const verify = args({ cache: true }, 'verify');
      expect(verify).toContain('--no-push');
      expect(verify).not.toContain('--no-push-cache');
      expect(verify).toContain('--cache-repo=registry.example/team/app/cache');
      expect(args({ cache: { repo: 'cache.example/c' } }, 'verify')).toContain('--cache-repo=cache.example/c');
      // An image that is not pushed gets no cache pushed either.
      expect(args({ cache: true }, 'verify', { push: false })).toContain('--no-push-cache');
      expect(args({ cache: true }, 'image')).not.toContain('--no-push');
    });
  });
});
