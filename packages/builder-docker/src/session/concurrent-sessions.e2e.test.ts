// Sessions under concurrency on the real engine (issue 15): BuildKit health-checks every
// session it holds and drops one at the first failed check, so a session that did not
// answer lived about a second and builds queued behind others lost theirs ("no active
// session", "transport is closing") and fell back to a tar context.
import { setTimeout as sleep } from 'node:timers/promises';
import { createBuildRequest } from '@imagespec/core/testing';
import { testEnv } from '@imagespec/test-env';
import Docker from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestBuilder, docker, makeProject, resolveSpec, uniqueName } from '../../test/e2e-harness.js';
import { BuildSession, openSessionCount } from './session.js';
import { SyncTree } from './sync-tree.js';

const env = testEnv();
const images: string[] = [];

afterAll(() => {
  for (const image of images) {
    try {
      docker('rmi', '-f', image);
    } catch {}
  }
});

describe('BuildKit sessions under concurrency', () => {
  it('the engine keeps an idle session open past its health checks', { timeout: 30_000 }, async () => {
    const session = await BuildSession.open(new Docker({ socketPath: env.dockerSocket }), {
      name: 'imagespec-test',
      sharedKey: uniqueName('idle'),
      dirs: { context: async () => new SyncTree([]) },
      credentials: async () => undefined,
    });
    try {
      // dockerd 20.10 checks each second and closed a session without the Health service after about one.
      await sleep(3500);
      expect(session.lostAfterMs).toBeUndefined();
    } finally {
      session.close();
    }
  });

  it('6 session builds at once keep their sessions, each image with its own content', {
    timeout: 240_000,
  }, async () => {
    const builder = await createTestBuilder();
    const builds = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        const nonce = uniqueName(`build${i}`);
        const files: Record<string, string> = { 'app/id.txt': `${nonce}\n` };
        for (let f = 0; f < 50; f++) files[`app/mod/m${f}.txt`] = `${nonce} ${f}\n`;
        const dir = await makeProject(files);
        const spec = await resolveSpec(
          {
            name: uniqueName('concurrent'),
            baseImage: env.baseImages.busybox,
            commands: [`echo ${nonce} > /built`],
            sourceRoot: 'app',
            workdir: '/app',
          },
          dir,
        );
        const { request, events } = await createBuildRequest(spec, { push: false });
        return { nonce, request, events };
      }),
    );
    const results = await Promise.all(builds.map(({ request }) => builder.build(request)));
    images.push(...results.map((result) => result.image));

    const fallbacks = builds.flatMap(({ events }) =>
      events.flatMap((event) =>
        event.type === 'log' && event.line.includes("lost this build's session") ? [event.line] : [],
      ),
    );
    expect(fallbacks).toEqual([]);
    expect(new Set(results.map((result) => result.image)).size).toBe(6);
    for (const [i, { nonce }] of builds.entries()) {
      const image = results[i]?.image as string;
      expect(docker('run', '--rm', '--network', 'none', image, 'sh', '-c', 'cat /built id.txt mod/m49.txt')).toBe(
        `${nonce}\n${nonce}\n${nonce} 49\n`,
      );
    }
    expect(openSessionCount()).toBe(0);
  });
});
