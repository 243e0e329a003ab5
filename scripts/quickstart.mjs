#!/usr/bin/env node
// `npm run quickstart`: from a fresh clone on Debian (as root) to a built and running image.
// Installs dependencies when missing, builds the packages, brings up the Docker engine, the
// registry on 127.0.0.1:5000 and the base image (test-env/: installs docker.io,
// docker-registry, busybox-static and debootstrap when missing; on a machine that already
// runs Docker it uses what is there), then checks examples/hello's lock (re-pinning the
// locally made base when its digest differs), lints it, builds it with the imagespec CLI
// and runs the image. Run it twice: the second build is skipped because the tag exists.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const example = join(root, 'examples', 'hello');
const cli = join(root, 'packages', 'cli', 'bin', 'imagespec.js');

function run(title, command, args, options = {}) {
  console.log(`\n== ${title}: ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: process.env, ...options });
  const status = result.status ?? 1;
  if (status !== 0) {
    console.error(`== ${title} failed (exit ${result.status ?? result.signal}).`);
    process.exit(status === 0 ? 1 : status);
  }
  return result;
}

// `npm ci`: the committed lock as it is (scripts/check-lock.mjs keeps it npm ci-clean).
if (!existsSync(join(root, 'node_modules', '.bin', 'nx'))) run('install', 'npm', ['ci', '--no-audit', '--no-fund']);
run('build', 'npx', ['nx', 'run-many', '-t', 'build', '--outputStyle=static']);

console.log('\n== environment: Docker engine, registry on 127.0.0.1:5000, base image');
// test-env is TypeScript source (a private workspace); jiti runs it without a build step.
const { createJiti } = await import('jiti');
const { ensureTestEnvironment } = await createJiti(import.meta.url).import(
  join(root, 'test-env', 'src', 'environment.ts'),
);
const started = Date.now();
const { env, stop } = await ensureTestEnvironment((line) => console.log(`[quickstart] ${line}`));
await stop(); // the example needs no pip index
console.log(
  `[quickstart] ready in ${((Date.now() - started) / 1000).toFixed(1)} s: engine ${env.dockerSocket}, registry ${env.registry.host}, base ${env.baseImages.python}`,
);

const dockerEnv = { ...process.env, DOCKER_HOST: `unix://${env.dockerSocket}` };
// The example's base is made on this machine (debootstrap, docker import), so its digest is
// this machine's, and differs from the one in the committed lock: re-pin it when it does.
const check = spawnSync(process.execPath, [cli, 'lock', '--check', '--json'], {
  cwd: example,
  encoding: 'utf8',
  env: dockerEnv,
});
let lockState;
try {
  lockState = JSON.parse(check.stdout);
} catch {
  console.error(`== imagespec lock --check failed (exit ${check.status}):\n${check.stdout}${check.stderr}`);
  process.exit(1);
}
if (!lockState.ok) {
  console.log(
    '\n== the base image made here has another digest than the one examples/hello/imagespec.lock.json pins; ' +
      'locking this one (git shows the file as changed: see examples/hello/README.md)',
  );
  run('imagespec lock', process.execPath, [cli, 'lock'], { cwd: example, env: dockerEnv });
}
run('imagespec lint', process.execPath, [cli, 'lint', '--strict'], { cwd: example, env: dockerEnv });
run('imagespec build', process.execPath, [cli, 'build', 'imagespec.yaml'], { cwd: example, env: dockerEnv });
const tag = spawnSync(process.execPath, [cli, 'tag', 'imagespec.yaml'], {
  cwd: example,
  encoding: 'utf8',
  env: dockerEnv,
});
if (tag.status !== 0) {
  console.error(tag.stderr);
  process.exit(1);
}
const image = tag.stdout.trim();
// The spec sets no cmd (pipeline runtimes replace it): the command is given here.
const dockerRun = ['-H', `unix://${env.dockerSocket}`, 'run', '--rm', '--network', 'host'];
run('run the image', 'docker', [...dockerRun, image, 'python3', '/app/hello.py'], { env: dockerEnv });
console.log(
  `\nDone: ${image} is in the registry on ${env.registry.host}. Run \`npm run quickstart\` again: the build is skipped (the tag exists).`,
);
