#!/usr/bin/env node
// Bench docker-rebuild: a rebuild after a one-file source change. Subject: `imagespec build
// --no-push` of a python spec (four generated packages from a local pip index, sourceRoot = a
// seeded 1,000-file / 10 MB project), where the install layer comes before the source
// layer, so only the source is copied again. Baseline: `docker build` of a naive Dockerfile
// that copies the source before installing the same packages, so every change reinstalls
// them. One file changed before every build of either, alternated after a warm-up, medians.
// Target (issue #3): at most 0.3x the naive build.
//
// Modes (BENCH_MODES, comma-separated, default all three), one JSON line each:
//   default   each tool as it comes: the docker builder's `buildkit: 'auto'` (BuildKit on an
//             engine that has it) against `docker build` on the classic builder, which is
//             what the docker CLI on PATH does here (28.x without buildx; DOCKER_BUILDKIT=0)
//   classic   both on the classic builder
//   buildkit  both on BuildKit (the baseline with DOCKER_BUILDKIT=1, through a docker CLI
//             that still builds with BuildKit without buildx, e.g. Debian's 20.10)
// Needs the built packages (`npm run build`) and the test environment (engine, registry,
// base images, pip index), which it brings up like the quick start does.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CLI_DIST, importRepoTs, median, requireDockerBenchBuilt, round, timeProcessAsync } from './lib/common.mjs';
import { heavyWheels, naivePipDockerfile } from './lib/heavy-wheels.mjs';
import { BENCH_DIR, ensureTree } from './lib/tree.mjs';

const runs = Number(process.env.BENCH_RUNS ?? 5);

const cli = CLI_DIST;

/** A docker CLI that builds with BuildKit under DOCKER_BUILDKIT=1 without buildx (the 20.10 line does; 23+ want buildx). */
function dockerCliWithBuildkit() {
  for (const candidate of ['docker', '/usr/bin/docker']) {
    const version = spawnSync(candidate, ['version', '--format', '{{.Client.Version}}'], { encoding: 'utf8' });
    const buildx = spawnSync(candidate, ['buildx', 'version'], { encoding: 'utf8' });
    const major = Number((version.stdout ?? '').split('.')[0]);
    if (version.status === 0 && (buildx.status === 0 || major < 23)) return candidate;
  }
  return undefined;
}
requireDockerBenchBuilt('docker-rebuild');
const log = (line) => console.error(`docker-rebuild: ${line}`);
const { ensureTestEnvironment } = await importRepoTs('test-env/src/environment.ts');
const { startPipIndex } = await importRepoTs('test-env/src/pip-index.ts');
const { env, stop: stopEnv } = await ensureTestEnvironment(log);
await stopEnv();

const index = await startPipIndex(heavyWheels());
const stop = () => index.stop();
try {
  const packages = Object.keys(index.packages).sort();
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
  const nonce = randomBytes(4).toString('hex');
  const changeOneFile = () => {
    edits += 1;
    // Per run: the same edits as an earlier run's would find its layers in the engine's cache.
    return appendFile(changed, `VALUE_${nonce}_${edits} = ${edits}\n`);
  };
  await changeOneFile();

  await writeFile(
    join(work, 'imagespec.yaml'),
    [
      'name: docker-rebuild',
      `registry: ${env.registry.host}/imagespec-bench`,
      `baseImage: ${env.baseImages.python}`,
      `pipIndex: ${index.url}`,
      `packages: [${packages.join(', ')}]`,
      `sourceRoot: ${project}`,
      'workdir: /app',
      '',
    ].join('\n'),
  );
  await writeFile(join(project, 'Dockerfile.naive'), naivePipDockerfile(env.baseImages.python, index.url, packages));
  await writeFile(join(project, '.dockerignore'), 'Dockerfile.naive\n');

  const subject = async () => {
    await changeOneFile();
    const run = await timeProcessAsync([process.execPath, cli, 'build', '--no-push', '--json', 'imagespec.yaml'], {
      cwd: work,
    });
    // pip prints "Successfully installed" whenever it runs: its absence means the layer came from the cache.
    if (run.stdout.includes('Successfully installed') || !run.stdout.includes('"status":"cached"')) {
      throw new Error(`the package install step ran again:\n${run.stdout.slice(-3000)}`);
    }
    return run.seconds;
  };
  const baseline = async (dockerCli, buildkit) => {
    await changeOneFile();
    const argv = [
      dockerCli,
      '-H',
      `unix://${env.dockerSocket}`,
      'build',
      '-q',
      '--network',
      'host',
      '-f',
      join(project, 'Dockerfile.naive'),
      '-t',
      'imagespec-bench/docker-rebuild:naive',
      project,
    ];
    return (await timeProcessAsync(argv, { env: { ...process.env, DOCKER_BUILDKIT: buildkit ? '1' : '0' } })).seconds;
  };

  const modes = (process.env.BENCH_MODES ?? 'default,classic,buildkit').split(',');
  for (const mode of modes) {
    const subjectBuildkit = { default: "'auto'", classic: 'false', buildkit: 'true' }[mode];
    if (!subjectBuildkit) throw new Error(`BENCH_MODES: unknown mode ${mode} (default, classic, buildkit)`);
    const baselineBuildkit = mode === 'buildkit';
    const dockerCli = baselineBuildkit ? dockerCliWithBuildkit() : 'docker';
    if (!dockerCli) {
      console.error(
        'docker-rebuild: skipping mode buildkit: no docker CLI here builds with DOCKER_BUILDKIT=1 (needs one without the buildx requirement, e.g. 20.10)',
      );
      continue;
    }
    await writeFile(
      join(work, 'imagespec.config.yaml'),
      `builders:\n  - ['@imagespec/builder-docker', { network: host, buildkit: ${subjectBuildkit} }]\n`,
    );
    log(`mode ${mode}: warm-up`);
    await timeProcessAsync([process.execPath, cli, 'build', '--no-push', 'imagespec.yaml'], { cwd: work });
    await baseline(dockerCli, baselineBuildkit);
    await subject();
    const a = [];
    const b = [];
    for (let i = 0; i < runs; i++) {
      a.push(await subject());
      b.push(await baseline(dockerCli, baselineBuildkit));
    }
    const subjectMedian = median(a);
    const baselineMedian = median(b);
    console.log(
      JSON.stringify({
        bench: 'docker-rebuild',
        mode,
        subject: `imagespec build --no-push after a one-file change (install layer cached), buildkit: ${subjectBuildkit}`,
        baseline: `${dockerCli} build (DOCKER_BUILDKIT=${baselineBuildkit ? 1 : 0}) of a naive Dockerfile (COPY source, then pip install) after a one-file change`,
        subject_median_s: round(subjectMedian),
        baseline_median_s: round(baselineMedian),
        ratio: round(subjectMedian / baselineMedian, 3),
        runs,
        packages,
        packages_installed: '4 pure-Python wheels x 600 modules (~10 MB installed)',
        tree: { files, bytes },
        target_ratio: 0.3,
      }),
    );
  }
} finally {
  await stop();
}
