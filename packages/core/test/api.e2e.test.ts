import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { testEnv } from '@imagespec/test-env';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const example = fileURLToPath(new URL('../../../examples/api/build.mjs', import.meta.url));

// The README's programmatic example, run as a user would (it imports the built @imagespec/core).
describe('examples/api/build.mjs', () => {
  it('tags, builds and pushes through build(), then skips the image the registry has', async () => {
    const env = {
      ...process.env,
      REGISTRY: `${testEnv().registry.host}/api-e2e-${randomBytes(4).toString('hex')}`,
      BASE_IMAGE: testEnv().baseImages.busybox,
      DOCKER_HOST: `unix://${testEnv().dockerSocket}`,
    };
    const first = await run(process.execPath, [example], { env });
    const image = /^tag: (\S+)$/m.exec(first.stdout)?.[1];
    expect(image).toMatch(/\/api-example:[a-z2-7]{26}$/);
    expect(first.stdout).toContain(`building: ${image}`);
    expect(first.stdout).toContain(`pushed: ${image}`);
    expect(first.stdout).toContain('api-example: pushed');

    const second = await run(process.execPath, [example], { env });
    expect(second.stdout).toContain(`tag: ${image}`);
    expect(second.stdout).toContain(`skipped: ${image}`);
    expect(second.stdout).toContain('api-example: skipped');
  }, 180_000);
});
