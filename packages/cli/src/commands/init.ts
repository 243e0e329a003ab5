import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type CliIo, ExitCode } from '../io.js';

const CONFIG = `// imagespec configuration: which builders to use and defaults for every spec.
// Builders are npm packages (install the ones you name) or paths to your own.
/** @type {import('@imagespec/core').ImagespecConfigInput} */
export default {
  builders: [
    // Local Docker engine. In a container without a bridge network, pass { network: 'host' }.
    ['@imagespec/builder-docker', {}],
  ],
  defaults: {
    // registry: 'ghcr.io/acme',
  },
  registries: {
    'localhost:5000': { insecure: true },
  },
};
`;

const SPEC = `# An image spec: what goes into the image. The tag is a hash of this content, so
# \`imagespec build\` builds only when something here (or a copied file) changed.
name: hello
# registry: localhost:5000
baseImage: busybox:latest
env:
  GREETING: hello from imagespec
commands:
  - echo "built by imagespec" > /built-by.txt
entrypoint: ["sh", "-c", "echo $GREETING && cat /built-by.txt"]
`;

/** `imagespec init`: a config and a spec that build with the docker builder. */
export async function initCommand(io: CliIo, options: { force?: boolean }): Promise<void> {
  const files = [
    { path: join(io.cwd, 'imagespec.config.mjs'), text: CONFIG },
    { path: join(io.cwd, 'imagespec.yaml'), text: SPEC },
  ];
  const existing = files.filter((file) => existsSync(file.path));
  if (existing.length > 0 && !options.force) {
    io.stderr.write(
      `error: ${existing.map((file) => file.path).join(' and ')} already exist${existing.length === 1 ? 's' : ''}; nothing was written. ` +
        'Run `imagespec init --force` to overwrite.\n',
    );
    throw new ExitCode(2);
  }
  for (const file of files) await writeFile(file.path, file.text);
  io.stdout.write(
    `wrote ${files.map((file) => file.path).join(' and ')}\n` +
      'next: npm install -D @imagespec/builder-docker, then `imagespec build` (add a registry to push)\n',
  );
}
