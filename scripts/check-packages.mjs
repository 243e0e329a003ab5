#!/usr/bin/env node
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
// Publish checks for every package: publint (package.json, exports, files) and
// @arethetypeswrong/cli (types resolve for ESM consumers) on the packed tarball, then what a
// source maps (their sources are not shipped), the real repository with the package's
// folder, and for the CLI, whose bundle carries its dependencies, only the dependencies the
// bundle leaves external. Needs the packages built. Exit 1 when any package fails.
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const REPOSITORY = 'git+https://github.com/imagespec/imagespec.git';
// The CLI's bundle leaves this one to npm: configs written by `imagespec init` import
// defineConfig from it, specs name its schema.json, and builders use it as their peer.
const CLI_RUNTIME_PACKAGES = new Set(['@imagespec/core']);
const packages = readdirSync(join(root, 'packages'));
const bin = (name) => join(root, 'node_modules', '.bin', name);
let failed = 0;

function report(ok, what, details) {
  if (!ok) failed += 1;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok && details) console.log(details.trim().replace(/^/gm, '     '));
}

/** Problems a maintainer would see in the tarball's file list and manifest. */
function tarballProblems(name, dir) {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const pack = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: dir, encoding: 'utf8' });
  if (pack.status !== 0) return [`npm pack failed: ${pack.stderr}`];
  const files = JSON.parse(pack.stdout)[0].files.map((file) => file.path);
  const problems = [];
  for (const required of ['LICENSE', 'README.md']) {
    if (!files.includes(required)) problems.push(`${required} is not in the tarball`);
  }
  for (const map of files.filter((file) => file.endsWith('.map'))) {
    problems.push(`${map} is in the tarball, without the sources it maps to`);
  }
  if (manifest.license !== 'Apache-2.0') problems.push(`license is ${manifest.license}, not Apache-2.0`);
  const { url, directory } = manifest.repository ?? {};
  if (url !== REPOSITORY || directory !== `packages/${name}`) {
    problems.push(
      `repository is ${JSON.stringify(manifest.repository)}, not ${REPOSITORY} with directory packages/${name}`,
    );
  }
  if (manifest.bin) {
    for (const [command, path] of Object.entries(manifest.bin)) {
      if (!files.includes(path.replace(/^\.\//, ''))) problems.push(`bin ${command} (${path}) is not in the tarball`);
    }
  }
  if (name === 'cli') problems.push(...cliDependencyProblems(dir, manifest));
  return problems;
}

/** No dependency of the CLI is in its bundle (its source map lists what is), and every package the bundle loads is a dependency. */
function cliDependencyProblems(dir, manifest) {
  const bundle = readFileSync(join(dir, 'dist', 'imagespec.cjs'), 'utf8');
  const { sources } = JSON.parse(readFileSync(join(dir, 'dist', 'imagespec.cjs.map'), 'utf8'));
  const bundled = new Set(
    sources.map((source) => /node_modules\/((?:@[\w.-]+\/)?[\w.-]+)\//.exec(source)?.[1]).filter(Boolean),
  );
  const builtins = new Set(builtinModules.flatMap((module) => [module, `node:${module}`]));
  const loaded = new Set(
    [...bundle.matchAll(/\b(?:require|import)\(\s*["']((?:@[\w.-]+\/)?[\w.-]+)(?:\/[^"']*)?["']\s*\)/g)]
      .map((match) => match[1])
      .filter((specifier) => !builtins.has(specifier) && !specifier.startsWith('.')),
  );
  const problems = [];
  for (const dependency of Object.keys(manifest.dependencies ?? {})) {
    if (bundled.has(dependency) && !CLI_RUNTIME_PACKAGES.has(dependency)) {
      problems.push(`dependency ${dependency} is bundled into dist/imagespec.cjs: list it in devDependencies`);
    }
  }
  for (const specifier of loaded) {
    if (!(specifier in (manifest.dependencies ?? {})) && !specifier.startsWith('@imagespec/builder-')) {
      problems.push(`dist/imagespec.cjs loads ${specifier}, which is not a dependency`);
    }
  }
  return problems;
}

for (const name of packages) {
  const dir = join(root, 'packages', name);
  for (const [tool, args] of [
    ['publint', ['run', '--strict', '--pack', 'npm']],
    // ESM-only packages: the node10/CJS resolutions do not apply.
    ['attw', ['--pack', '.', '--profile', 'esm-only', '--no-emoji', '--no-color']],
  ]) {
    const result = spawnSync(bin(tool), args, { cwd: dir, encoding: 'utf8' });
    report(result.status === 0, `${tool} @imagespec/${name}`, `${result.stdout}${result.stderr}`);
  }
  const problems = tarballProblems(name, dir);
  report(problems.length === 0, `tarball @imagespec/${name}`, problems.join('\n'));
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const declared = manifest.imagespec?.builder;
  if (declared) {
    // Selection orders a builder by this declaration and imports it only when it reaches it.
    const { default: definition } = await import(pathToFileURL(join(dir, 'dist', 'index.js')).href);
    const same = definition?.name === declared.name && definition?.priority === declared.priority;
    report(
      same,
      `imagespec.builder @imagespec/${name}`,
      `package.json declares ${JSON.stringify(declared)}, the module defines ${JSON.stringify({ name: definition?.name, priority: definition?.priority })}`,
    );
  } else if (name.startsWith('builder-')) {
    report(
      false,
      `imagespec.builder @imagespec/${name}`,
      'a builder package must declare imagespec.builder { name, priority }',
    );
  }
}
process.exit(failed > 0 ? 1 : 0);
