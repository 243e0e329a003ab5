import { errorCategory } from '@imagespec/core/errors';
import { withBundledModules } from './bundled-modules.js';
import { type CliIo, ExitCode } from './io.js';
import { colorsWanted, createColors } from './output/colors.js';
import { createProgram } from './program.js';

/** Exit codes: 0 success, 1 a build or check failed, 2 bad input (spec, config, flags). */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_BAD_INPUT = 2;

/**
 * Runs the CLI against injected I/O and resolves to the exit code. The only place that
 * decides exit codes and how errors look; library code just throws typed errors.
 */
export async function runCli(argv: readonly string[], given: CliIo): Promise<number> {
  const io = withBundledModules(given);
  const debug = argv.includes('--debug') || io.env.IMAGESPEC_DEBUG === '1';
  const colors = createColors(colorsWanted(io.isTTY, io.env));
  const program = createProgram(io, argv);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT_OK;
  } catch (error) {
    if (error instanceof ExitCode) return error.code;
    const commanderCode = (error as { code?: string }).code;
    if (typeof commanderCode === 'string' && commanderCode.startsWith('commander.')) {
      // help and version are successful exits; commander already printed what it had to.
      if (
        commanderCode === 'commander.helpDisplayed' ||
        commanderCode === 'commander.version' ||
        commanderCode === 'commander.help'
      ) {
        return EXIT_OK;
      }
      return EXIT_BAD_INPUT;
    }
    // Loaded on the error path only: formatting redacts through core's spec entry, which
    // brings the schema and its validator, and a successful `--version` has no use for them.
    const { formatError } = await import('./output/format-error.js');
    io.stderr.write(formatError(error, colors, debug));
    return exitCodeFor(error);
  }
}

export function exitCodeFor(error: unknown): number {
  const e = error as { name?: string; code?: string; category?: string };
  if (e?.name !== 'ImagespecError') return EXIT_FAILED;
  // An error from a plugin's own copy of core may have lost its `category` getter (serialized):
  // this core's table of codes decides then.
  const category = e.category ?? errorCategory(e.code ?? '');
  return category === 'input' ? EXIT_BAD_INPUT : EXIT_FAILED;
}
