// imagespec from a script: one call builds what the registry lacks and returns the summary.
// Run from a clone after `npm run quickstart`: node examples/api/build.mjs
// REGISTRY and BASE_IMAGE point it elsewhere (the defaults are what the quick start sets up).
import { build, imageSpec, tag } from '@imagespec/core';

const registry = process.env.REGISTRY ?? '127.0.0.1:5000/examples';
const app = imageSpec({
  name: 'api-example',
  registry,
  baseImage: process.env.BASE_IMAGE ?? '127.0.0.1:5000/imagespec-test/busybox:1',
  env: { GREETING: 'built from a script' },
  cmd: ['sh', '-c', 'echo "$GREETING"'],
  verify: ['test -n "$GREETING"'],
});

const config = {
  // The quick start's engine runs without a bridge network: builds use the host's.
  builders: [['@imagespec/builder-docker', { network: 'host' }]],
};

const [tagged] = await tag({ specs: [app], config });
console.log(`tag: ${tagged.image}`);

const summary = await build({
  specs: [app],
  config,
  onEvent: (event) => {
    if (event.type === 'building' || event.type === 'skipped' || event.type === 'pushed') {
      console.log(`${event.type}: ${event.image}`);
    }
  },
});
for (const image of summary.images) {
  console.log(`${image.name}: ${image.status}${image.error ? ` (${image.error.message})` : ''}`);
}
if (summary.images.some((image) => image.status === 'failed')) process.exitCode = 1;
