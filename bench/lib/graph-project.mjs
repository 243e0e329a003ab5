// A project of one base spec and N app specs built on it (`images:` in one spec file, each
// app `baseImage: base` with its own small command and a small copied source folder), for
// the graph and fresh-runner benches. `id` goes into every command: a new id is a new set of
// images (nothing cached in the registry or the engine), the same id the same images.
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO } from './common.mjs';

/** BENCH_DOCKER_BUILDER: another build of the docker builder (an A/B against an older dist). */
export const DOCKER_BUILDER = process.env.BENCH_DOCKER_BUILDER ?? `${REPO}packages/builder-docker/dist/index.js`;

/** Writes the project into `dir`; returns the spec file's path and the image names (base first). */
export async function writeGraphProject(dir, { env, id, apps, registry = `${env.registry.host}/imagespec-bench` }) {
  const names = Array.from({ length: apps }, (_, i) => `app${String(i + 1).padStart(2, '0')}`);
  const lines = ['images:', '  base:', `    name: graph-base-${id}`, `    registry: ${registry}`];
  lines.push(`    baseImage: ${env.baseImages.busybox}`, `    commands: ["echo base ${id} > /base"]`);
  for (const name of names) {
    lines.push(`  ${name}:`, `    name: graph-${name}-${id}`, `    registry: ${registry}`, '    baseImage: base');
    lines.push(
      `    commands: ["echo ${name} ${id} > /${name}"]`,
      `    copy: [{ src: src/${name}, dest: /srv/${name} }]`,
    );
    for (let f = 0; f < 20; f++) {
      await mkdir(join(dir, 'src', name), { recursive: true });
      await writeFile(join(dir, 'src', name, `m${f}.py`), `# ${name} module ${f}\nVALUE = ${f}\n`);
    }
  }
  await writeFile(join(dir, 'images.yaml'), `${lines.join('\n')}\n`);
  await writeFile(
    join(dir, 'imagespec.config.json'),
    JSON.stringify({ builders: [[DOCKER_BUILDER, { socketPath: env.dockerSocket, network: 'host' }]] }),
  );
  return {
    specFile: join(dir, 'images.yaml'),
    images: [`graph-base-${id}`, ...names.map((name) => `graph-${name}-${id}`)],
  };
}

/** Removes the engine's local images whose repository ends in one of `names`. */
export function removeLocalImages(env, names) {
  const docker = (...args) =>
    spawnSync('docker', ['-H', `unix://${env.dockerSocket}`, ...args], { encoding: 'utf8' }).stdout ?? '';
  const ids = new Set();
  for (const name of names) {
    for (const id of docker('images', '-q', '--filter', `reference=*/*/${name}`).split('\n')) if (id) ids.add(id);
  }
  if (ids.size > 0) docker('rmi', '-f', ...ids);
}

/** The --json event lines of a build. */
export function buildEvents(stdout) {
  return stdout
    .trim()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line));
}
