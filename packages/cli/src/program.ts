import { Command, InvalidArgumentError, Option } from 'commander';
import pkg from '../package.json' with { type: 'json' };
import type { CliIo } from './io.js';
import { PROGRESS_MODES } from './output/renderer.js';

/**
 * The command tree. Each action imports its command module on demand, so `--help`,
 * `--version`, `tag` and `dockerfile` never load a builder, dockerode or the Kubernetes client.
 */
export function createProgram(io: CliIo, argv: readonly string[]): Command {
  const program = new Command('imagespec')
    .description(
      'Build container images from declarative specs, tagged by content, built only when the registry lacks them.',
    )
    .version(pkg.version, '-v, --version')
    .option('-c, --config <file>', 'config file (default: imagespec.config.* found upward from the working directory)')
    .option('--debug', 'show stack traces and debug logs')
    .option('--no-cache', 'hash every file: neither use nor update the file digest cache (or IMAGESPEC_NO_CACHE=1)')
    .showSuggestionAfterError(true)
    .showHelpAfterError('(run `imagespec --help` for the commands and their flags)')
    .addHelpText(
      'after',
      '\nExit codes: 0 success, 1 a build or check failed, 2 bad input (spec, config, flags), 130 interrupted (Ctrl-C),\n141 the output was closed early (e.g. piped into `head`; the run is cancelled, as git ends).',
    )
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    // Core's digests read the switch from the environment (context/stat-cache.ts), whichever command hashes.
    .hook('preAction', () => {
      if (program.opts().cache === false) process.env.IMAGESPEC_NO_CACHE = '1';
    });

  const global = () => program.opts<{ config?: string; debug?: boolean }>();

  program
    .command('build')
    .description('build (and push) the images of the given spec files whose tag the registry lacks')
    .argument('[spec...]', 'spec files (default: imagespec.yaml in the working directory)')
    .addOption(setOption())
    .option('-b, --builder <name>', 'use this builder instead of choosing by priority')
    .option('--push', 'push built images (default: when the spec has a registry)')
    .option('--no-push', 'build without pushing')
    .option('-f, --force', 'build even when the tag already exists')
    .option('--dry-run', 'print what would be built and how, build nothing')
    .option('-p, --platform <platform...>', 'target platform(s), e.g. linux/amd64', validatePlatform)
    .option('-j, --concurrency <n>', 'images built at once', positiveInteger)
    .addOption(
      new Option('--progress <mode>', 'output: auto, tty, plain, json or quiet')
        .choices(PROGRESS_MODES)
        .default('auto'),
    )
    .option('--json', 'one JSON event per line and a final summary (same as --progress json)')
    .option(
      '--metadata-file <file>',
      "write each image's name, tag, digest, builder and result as JSON (as buildx bake)",
    )
    .action(async (specs: string[], options) => {
      const { buildCommand } = await import('./commands/build.js');
      await buildCommand(io, { ...global(), ...options, specs, argv });
    });

  program
    .command('tag')
    .description('print the full image name with its content tag')
    .argument('[spec...]', 'spec files')
    .addOption(setOption())
    .option('--json', 'print name, image, tag and hash of every image as JSON')
    .action(async (specs: string[], options) => {
      const { tagCommand } = await import('./commands/tag.js');
      await tagCommand(io, { ...global(), ...options, specs });
    });

  program
    .command('dockerfile')
    .description('print the rendered Dockerfile')
    .argument('[spec]', 'spec file')
    .addOption(setOption())
    .option('--image <name>', 'which image of a multi-image spec file')
    .addOption(
      new Option('--dialect <dialect>', 'buildkit or plain').choices(['buildkit', 'plain']).default('buildkit'),
    )
    .option('--json', 'print the image, dialect and Dockerfile as JSON')
    .action(async (spec: string | undefined, options) => {
      const { dockerfileCommand } = await import('./commands/dockerfile.js');
      await dockerfileCommand(io, { ...global(), ...options, specs: spec ? [spec] : [] });
    });

  program
    .command('explain')
    .description('print the hash input (file digests included) so you can see why a tag changed')
    .argument('[spec]', 'spec file')
    .addOption(setOption())
    .option('--image <name>', 'which image of a multi-image spec file')
    .option('--json', 'print the hash input as JSON')
    .action(async (spec: string | undefined, options) => {
      const { explainCommand } = await import('./commands/explain.js');
      await explainCommand(io, { ...global(), ...options, specs: spec ? [spec] : [] });
    });

  program
    .command('exists')
    .description(
      'exit 0 if the image is in the registry (no registry: in the local engine), 1 if not, 2 when that cannot be told',
    )
    .argument('[spec]', 'spec file')
    .addOption(setOption())
    .option('--image <name>', 'which image of a multi-image spec file')
    .option('-b, --builder <name>', 'for a spec without registry: the builder whose engine to look in')
    .option('--json', 'print the image, whether it exists, where it was looked for and its digest as JSON')
    .action(async (spec: string | undefined, options) => {
      const { existsCommand } = await import('./commands/exists.js');
      await existsCommand(io, { ...global(), ...options, specs: spec ? [spec] : [] });
    });

  program
    .command('builders')
    .description('list the configured builders: version, priority, available or why not')
    .option('--json', 'print as JSON')
    .action(async (options) => {
      const { buildersCommand } = await import('./commands/builders.js');
      await buildersCommand(io, { ...global(), ...options });
    });

  program
    .command('schema')
    .description('print the JSON Schema of the spec file')
    .action(async () => {
      const { schemaCommand } = await import('./commands/schema.js');
      await schemaCommand(io);
    });

  program
    .command('lock')
    .description('pin base images to digests in imagespec.lock.json')
    .argument('[spec...]', 'spec files')
    .addOption(setOption())
    .option('--check', 'change nothing; exit 1 when the lock is missing an entry or stale (for CI)')
    .option(
      '--json',
      'print every base reference with its digest and what changed (or the problems, with --check) as JSON',
    )
    .action(async (specs: string[], options) => {
      const { lockCommand } = await import('./commands/lock.js');
      await lockCommand(io, { ...global(), ...options, specs });
    });

  program
    .command('lint')
    .description('warn about unpinned packages, mutable base images and runtime pitfalls')
    .argument('[spec...]', 'spec files')
    .addOption(setOption())
    .option('--strict', 'treat warnings as errors (exit 1)')
    .option('--json', 'print as JSON')
    .action(async (specs: string[], options) => {
      const { lintCommand } = await import('./commands/lint.js');
      await lintCommand(io, { ...global(), ...options, specs });
    });

  program
    .command('init')
    .description('write a config, a spec and a .dockerignore for the project in this folder, base image locked')
    .option('--force', 'overwrite existing files')
    .option(
      '--base <image>',
      "the image to build on (default: the Dockerfile's Python base, else python:<version>-slim)",
    )
    .option('--no-lock', "do not resolve the base image's digest now (run `imagespec lock` later)")
    .action(async (options) => {
      const { initCommand } = await import('./commands/init.js');
      await initCommand(io, options);
    });

  return program;
}

/** `--set NAME=VALUE`, repeatable: overrides one spec field (core's spec/overrides.ts reads it). */
function setOption(): Option {
  return new Option(
    '--set <name=value>',
    'override a spec field, e.g. registry=localhost:5000 or env.FOO=bar (repeatable)',
  ).argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]);
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError('expected a whole number from 1 to 64.');
  return n;
}

function validatePlatform(value: string, previous: string[] | undefined): string[] {
  if (!/^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/.test(value)) {
    throw new InvalidArgumentError(`expected os/arch[/variant], e.g. linux/amd64 or linux/arm64/v8; got "${value}".`);
  }
  return [...(previous ?? []), value];
}
