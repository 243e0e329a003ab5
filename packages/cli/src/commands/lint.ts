import { lintSpecs } from '@imagespec/core/lint';
import { readLockFile } from '@imagespec/core/lock';
import { type CliIo, ExitCode } from '../io.js';
import { colorsWanted, createColors } from '../output/colors.js';
import { loadProject } from '../project.js';

/** `imagespec lint`: warnings about what makes one tag stand for different images; --strict fails on any. */
export async function lintCommand(
  io: CliIo,
  options: { config?: string; specs: string[]; strict?: boolean; json?: boolean },
): Promise<void> {
  const project = await loadProject(io, options);
  const lock = await readLockFile(project.config.dir);
  const warnings = await lintSpecs(project.specs, { lock, locate: project.locate });
  if (options.json) {
    io.stdout.write(`${JSON.stringify({ warnings }, null, 2)}\n`);
  } else {
    const colors = createColors(colorsWanted(io.isTTY, io.env));
    for (const warning of warnings) {
      const where = warning.file
        ? `${warning.file}${warning.line ? `:${warning.line}${warning.column ? `:${warning.column}` : ''}` : ''}: `
        : '';
      const label = options.strict ? colors.red('error') : colors.yellow('warning');
      io.stdout.write(`${where}${label}[${warning.rule}] ${warning.image}: ${warning.message}\n`);
    }
    io.stdout.write(`${warnings.length} ${options.strict ? 'error' : 'warning'}${warnings.length === 1 ? '' : 's'}\n`);
  }
  if (options.strict && warnings.length > 0) throw new ExitCode(1);
}
