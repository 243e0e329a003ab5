#!/usr/bin/env node
// Bench docker-rebuild: a rebuild after a one-file source change. Subject: `imagespec build
// --no-push` of a python spec (three packages from the local pip index, sourceRoot = a
// seeded 1,000-file / 10 MB project), where the install layer comes before the source
// layer, so only the source is copied again. Baseline: `docker build` of a naive Dockerfile
// that copies the source before installing the same packages, so every change reinstalls
// them. Same engine and builder (classic), one file changed before every build of either,
// alternated after a warm-up, medians. Target (issue #3): at most 0.3x the naive build.
// Needs the built packages (`npm run build`) and the test environment (engine, registry,
// base images, pip index), which it brings up like the quick start does.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { median, REPO, round, timeProcess } from './lib/common.mjs';
import { BENCH_DIR, ensureTree } from './lib/tree.mjs';

const runs = Number(process.env.BENCH_RUNS ?? 5);
const cli = `${REPO}packages/cli/dist/cli.js`;
if (!existsSync(cli) || !existsSync(`${REPO}packages/builder-docker/dist/index.js`)) {
  console.error('docker-rebuild: the CLI or builder-docker is not built: run `npm run build` first.');
  process.exit(1);
}
const log = (line) => console.error(`docker-rebuild: ${line}`);
const { createJiti } = await import('jiti');
const { ensureTestEnvironment } = await createJiti(import.meta.url).import(`${REPO}test-env/src/environment.ts`);
const { env, stop } = await ensureTestEnvironment(log);
try {
  const docker = ['docker', '-H', `unix://${env.dockerSocket}`];
  const packages = Object.keys(env.pipIndex.packages).sort();
  const files = 1_000;
  const bytes = 10 * 1024 * 1024;
  const tree = await ensureTree({ files, bytes, seed: 2, log });

  // A private copy of the project: the bench edits one file in it before every build.
  const work = join(BENCH_DIR, 'docker-rebuild');
  const project = join(work, 'project');
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  spawnSync('cp', ['-r', tree, project], { stdio: 'inherit' });
  const changed = join(project, 'imagespec_bench_changed.py');
  let edits = 0;
  const changeOneFile = () => appendFile(changed, `VALUE_${(edits += 1)} = ${edits}\n`);
  await changeOneFile();

  await writeFile(
    join(work, 'imagespec.yaml'),
    [
      'name: docker-rebuild',
      `registry: ${env.registry.host}/imagespec-bench`,
      `baseImage: ${env.baseImages.python}`,
      `pipIndex: ${env.pipIndex.url}`,
      `packages: [${packages.join(', ')}]`,
      `sourceRoot: ${project}`,
      'workdir: /app',
      '',
    ].join('\n'),
  );
  await writeFile(join(work, 'imagespec.config.yaml'), "builders:\n  - ['@imagespec/builder-docker', { network: host, buildkit: false }]\n");
  // The naive Dockerfile, as often hand-written: source first, then the same pip install.
  await writeFile(
    join(project, 'Dockerfile.naive'),
    [
      `FROM ${env.baseImages.python}`,
      'WORKDIR /app',
      'COPY . /app',
      `RUN PIP_BREAK_SYSTEM_PACKAGES=1 python3 -m pip install --disable-pip-version-check --no-cache-dir --index-url '${env.pipIndex.url}' ${packages.join(' ')}`,
      '',
    ].join('\n'),
  );
  await writeFile(join(project, '.dockerignore'), 'Dockerfile.naive\n');

  const subject = async () => {
    await changeOneFile();
    const run = timeProcess([process.execPath, cli, 'build', '--no-push', '--json', 'imagespec.yaml'], { cwd: work });
    const steps = run.stdout.split('\n').filter((line) => line.includes('"type":"step"') && line.includes('pip install'));
    if (!steps.some((line) => line.includes('"status":"cached"'))) throw new Error(`the pip install step was not cached:\n${steps.join('\n')}`);
    return run.seconds;
  };
  const baseline = async () => {
    await changeOneFile();
    const argv = [...docker, 'build', '-q', '--network', 'host', '-f', join(project, 'Dockerfile.naive'), '-t', 'imagespec-bench/docker-rebuild:naive', project];
    return timeProcess(argv, { env: { ...process.env, DOCKER_BUILDKIT: '0' } }).seconds;
  };

  log('warm-up');
  timeProcess([process.execPath, cli, 'build', '--no-push', 'imagespec.yaml'], { cwd: work });
  await baseline();
  await subject();
  const a = [];
  const b = [];
  for (let i = 0; i < runs; i++) {
    a.push(await subject());
    b.push(await baseline());
  }
  const subjectMedian = median(a);
  const baselineMedian = median(b);
  console.log(
    JSON.stringify({
      bench: 'docker-rebuild',
      subject: 'imagespec build --no-push after a one-file change (install layer cached)',
      baseline: 'docker build of a naive Dockerfile (COPY source, then pip install) after a one-file change',
      subject_median_s: round(subjectMedian),
      baseline_median_s: round(baselineMedian),
      ratio: round(subjectMedian / baselineMedian, 3),
      runs,
      packages,
      tree: { files, bytes },
      builder: 'classic (both)',
      target_ratio: 0.3,
    }),
  );
} finally {
  await stop();
}
