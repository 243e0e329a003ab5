import { testEnv } from '@imagespec/test-env';
import { describe, expect, it } from 'vitest';
import { docker, makeProject, resolveSpec, runEngine, stepLines, uniqueName } from '../test/e2e-harness.js';

const env = testEnv();

describe.each([
  ['classic', false],
  ['buildkit', true],
] as const)('busybox image on the real engine (%s builder)', (_label, buildkit) => {
  it('builds commands, env, copy and entrypoint, pushes, and the pulled image runs', { timeout: 120_000 }, async () => {
    const dir = await makeProject({
      'greeting.txt': 'hello from a copied file\n',
      'app/run.sh': 'echo "app says $GREETING"\n',
    });
    const spec = await resolveSpec(
      {
        name: uniqueName('busybox-app'),
        registry: env.registry.host,
        baseImage: env.baseImages.busybox,
        // A nonce in a command: the steps really run (no cache from an earlier run of this test).
        commands: ['mkdir -p /data', `echo built-by-imagespec > /data/marker && echo ${uniqueName('nonce')}`],
        env: { GREETING: 'hi there' },
        copy: [{ src: 'greeting.txt', dest: '/etc/greeting.txt' }],
        sourceRoot: 'app',
        workdir: '/app',
        entrypoint: ['sh', '-c', 'cat /etc/greeting.txt /data/marker && sh /app/run.sh'],
      },
      dir,
    );
    const { summary, builderEvents } = await runEngine([spec], { builder: { buildkit } });
    const [result] = summary.images;
    expect(result).toMatchObject({ status: 'pushed', builder: 'docker' });
    expect(result?.digest).toMatch(/^sha256:/);
    expect(stepLines(builderEvents).some((line) => /^done .*echo built-by-imagespec/.test(line))).toBe(true);
    const image = result?.image ?? '';
    const tag = image.split(':').at(-1);

    // The registry has it: drop the local copy, pull it back and run it.
    docker('rmi', image);
    docker('pull', image);
    const output = docker('run', '--rm', '--network', 'host', image);
    expect(output).toBe('hello from a copied file\nbuilt-by-imagespec\napp says hi there\n');
    const labels = JSON.parse(docker('image', 'inspect', '--format', '{{json .Config.Labels}}', image));
    expect(labels['dev.imagespec.hash']).toBe(tag);
    docker('rmi', image);
  });
});
