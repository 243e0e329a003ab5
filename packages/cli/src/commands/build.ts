import { runBuilds } from '@imagespec/core/engine';
import { errorCategory, ImagespecError } from '@imagespec/core/errors';
import { computeImageIdentity, type ImageIdentity } from '@imagespec/core/hash';
import { lintSpecs } from '@imagespec/core/lint';
import { createLockResolver, readLockFile } from '@imagespec/core/lock';
import { createRegistryClient } from '@imagespec/core/registry';
import { openBuilders } from '../configured-builders.js';
import { type CliIo, ExitCode } from '../io.js';
import { colorsWanted, createColors } from '../output/colors.js';
import { formatError } from '../output/format-error.js';
import { writeGithubReport } from '../output/github.js';
import { checkMetadataPath, renderMetadata, writeMetadataFile } from '../output/metadata.js';
import { createRenderer } from '../output/renderer.js';
import type { ProgressMode, SummaryRow } from '../output/types.js';
import { loadProject } from '../project.js';

export interface BuildOptions {
  readonly config?: string;
  readonly debug?: boolean;
  readonly specs: string[];
  readonly argv: readonly string[];
  readonly builder?: string;
  readonly push?: boolean;
  readonly force?: boolean;
  readonly dryRun?: boolean;
  readonly platform?: string[];
  readonly concurrency?: number;
  readonly progress: ProgressMode;
  readonly json?: boolean;
  readonly metadataFile?: string;
}

/** `imagespec build`: plan, skip what the registry has, build and push the rest. */
export async function buildCommand(io: CliIo, options: BuildOptions): Promise<void> {
  checkFlagConflicts(options);
  const metadataPath = options.metadataFile && (await checkMetadataPath(io.cwd, options.metadataFile));
  const project = await loadProject(io, options);
  if (options.push === true && !options.argv.includes('--no-push')) {
    const local = project.specs.filter((spec) => !spec.registry);
    if (local.length > 0) {
      throw new ImagespecError(
        'FLAG_INVALID',
        `--push was given, but ${local.map((s) => s.name).join(', ')} has no registry to push to.`,
        {
          hint: 'Set `registry` in the spec or `defaults.registry` in imagespec.config.*, or drop --push.',
        },
      );
    }
  }
  const configured = openBuilders(io, project.config, { debug: Boolean(options.debug), locate: project.locate });
  const { access, builders } = configured;
  const registryClient = createRegistryClient({ access });
  const renderer = createRenderer(options.json ? 'json' : options.progress, io);
  const lock = await readLockFile(project.config.dir);
  const resolveBase = createLockResolver(lock);
  // Lint reads the copied folders from the identities the run then plans with: each tree is listed once.
  const identities = new Map<string, Promise<ImageIdentity>>();
  const identity = (spec: (typeof project.specs)[number]) =>
    computeImageIdentity(spec, { resolveBase, signal: io.signal, cache: identities });
  // Lint warnings go through the renderer, which prints them once, after the builds.
  for (const warning of await lintSpecs(project.specs, { lock, locate: project.locate, identity })) {
    renderer.event({
      type: 'warning',
      message: `[${warning.rule}] ${warning.image}: ${warning.message}`,
      ...(warning.file && { file: warning.file }),
      ...(warning.line && { line: warning.line }),
    });
  }
  let summary: Awaited<ReturnType<typeof runBuilds>>;
  try {
    summary = await runBuilds({
      specs: project.specs,
      config: project.config,
      builders,
      registryClient,
      access,
      resolveBase,
      identities,
      ...(options.push !== undefined && { push: options.push }),
      force: Boolean(options.force),
      dryRun: Boolean(options.dryRun),
      ...(options.platform && { platform: options.platform }),
      ...(options.builder && { builder: options.builder }),
      ...(options.concurrency && { concurrency: options.concurrency }),
      signal: io.signal,
      onEvent: (event) => renderer.event(event),
    });
  } finally {
    await configured.dispose();
  }
  const rows: SummaryRow[] = summary.images.map((image) => ({
    name: image.name,
    image: image.image,
    status: image.status,
    ...(image.builder && { builder: image.builder }),
    ...(image.digest && { digest: image.digest }),
    durationMs: image.durationMs,
    ...(image.error && { error: image.error }),
    ...(image.split && { split: image.split }),
  }));
  renderer.finish(rows, options.dryRun ? { plans: summary.plans } : undefined);
  // Written before the failures decide the exit code: CI reads them most when something failed.
  if (metadataPath) await writeMetadataFile(metadataPath, renderMetadata(summary.images));
  await writeGithubReport(io.env, summary.images);
  const failures = rows.filter((row) => row.status === 'failed');
  const colors = createColors(colorsWanted(io.isTTY, io.env));
  for (const row of failures) {
    if (!row.error) continue;
    io.stderr.write(
      formatError(
        { name: 'ImagespecError', ...row.error, message: `${row.name}: ${row.error.message}` },
        colors,
        false,
      ),
    );
  }
  if (failures.length > 0) {
    // Only bad input (a plugin not installed, invalid options) everywhere: the user's to fix, exit 2.
    const allInput = failures.every((row) => row.error && errorCategory(row.error.code) === 'input');
    throw new ExitCode(allInput ? 2 : 1);
  }
}

function checkFlagConflicts(options: BuildOptions): void {
  if (options.argv.includes('--push') && options.argv.includes('--no-push')) {
    throw new ImagespecError('FLAG_INVALID', '--push and --no-push were both given.', {
      hint: 'Keep one of them.',
    });
  }
  if (options.json && options.progress !== 'auto' && options.progress !== 'json') {
    throw new ImagespecError(
      'FLAG_INVALID',
      `--json and --progress ${options.progress} ask for two different outputs.`,
      {
        hint: 'Use --json (or --progress json) alone.',
      },
    );
  }
}
