import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { isImagespecError } from '@imagespec/core/errors';
import { detectProject } from '../init/detect.js';
import { renderInitFiles } from '../init/render.js';
import { type CliIo, ExitCode } from '../io.js';
import { lockCommand } from './lock.js';

const SCHEMA = join('node_modules', '@imagespec', 'core', 'schema.json');

/**
 * `imagespec init`: a config, a spec and a .dockerignore for what is in the folder
 * (requirements.txt, uv.lock, poetry.lock, pyproject.toml, a Dockerfile), then the base
 * image locked to its digest, so that `imagespec lint --strict` passes from the start.
 */
export async function initCommand(
  io: CliIo,
  options: { force?: boolean; base?: string; lock?: boolean },
): Promise<void> {
  const facts = detectProject(io.cwd);
  const rendered = renderInitFiles(facts, {
    ...(options.base && { base: options.base }),
    schemaPath: schemaPathFrom(io.cwd),
  });
  const files = [
    { path: join(io.cwd, 'imagespec.config.mjs'), text: rendered.config },
    { path: join(io.cwd, 'imagespec.yaml'), text: rendered.spec },
  ];
  const existing = files.filter((file) => existsSync(file.path));
  if (existing.length > 0 && !options.force) {
    io.stderr.write(
      `error: ${existing.map((file) => file.path).join(' and ')} already exist${existing.length === 1 ? 's' : ''}; nothing was written. ` +
        'Run `imagespec init --force` to overwrite.\n',
    );
    throw new ExitCode(2);
  }
  // A .dockerignore is the user's: one that exists is kept, even with --force.
  const dockerignore = join(io.cwd, '.dockerignore');
  if (!existsSync(dockerignore)) files.push({ path: dockerignore, text: rendered.dockerignore });
  for (const file of files) await writeFile(file.path, file.text);
  io.stdout.write(`wrote ${files.map((file) => relative(io.cwd, file.path)).join(', ')}\n`);
  for (const note of rendered.notes) io.stdout.write(`note: ${note}\n`);
  if (options.lock !== false) await lockBase(io);
  io.stdout.write(
    'next: npm install -D @imagespec/cli @imagespec/builder-docker, then `imagespec lint` and `imagespec build` (add a registry to push)\n',
  );
}

/** Pins the base as `imagespec lock` does; when that cannot be done now, init still succeeds and says how to finish. */
async function lockBase(io: CliIo): Promise<void> {
  try {
    await lockCommand(io, { specs: ['imagespec.yaml'] });
  } catch (error) {
    if (!isImagespecError(error)) throw error;
    io.stderr.write(
      `warning: the base image is not locked yet: ${error.message.split('\n')[0]}\n` +
        'Once that is fixed (the registry reachable, `npm install -D @imagespec/cli` done), run `imagespec lock`; ' +
        'until then `imagespec lint` warns about the base.\n',
    );
  }
}

/** The schema of the installed @imagespec/core, relative to the spec (an install above the folder counts too). */
function schemaPathFrom(cwd: string): string {
  for (let dir = cwd; ; dir = dirname(dir)) {
    if (existsSync(join(dir, SCHEMA))) return toPosix(relative(cwd, join(dir, SCHEMA)));
    if (dirname(dir) === dir) return toPosix(SCHEMA);
  }
}

function toPosix(path: string): string {
  const posix = path.split(sep).join('/');
  return posix.startsWith('.') ? posix : `./${posix}`;
}
