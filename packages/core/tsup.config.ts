import { writeFile } from 'node:fs/promises';
import { defineConfig } from 'tsup';

export default defineConfig({
  // builder.ts: the light entry builder packages import (`@imagespec/core/builder`);
  // testing.ts: the engine's build request for builder packages' tests (`@imagespec/core/testing`).
  // The rooms' entries (`@imagespec/core/spec`, ...): the CLI imports each command's rooms
  // directly, so its bundle initializes only what a command uses.
  entry: {
    index: 'src/index.ts',
    builder: 'src/builder.ts',
    testing: 'src/testing.ts',
    spec: 'src/spec/index.ts',
    config: 'src/config/index.ts',
    hash: 'src/hash/index.ts',
    context: 'src/context/index.ts',
    dockerfile: 'src/dockerfile/index.ts',
    lock: 'src/lock/index.ts',
    lint: 'src/lint/index.ts',
    registry: 'src/registry/index.ts',
    plugin: 'src/plugin/index.ts',
    engine: 'src/engine/index.ts',
    errors: 'src/errors.ts',
    schema: 'src/schema.ts',
    'image-ref': 'src/image-ref/index.ts',
  },
  format: ['esm'],
  target: 'node20',
  dts: true,
  clean: true,
  sourcemap: true,
  tsconfig: 'tsconfig.json',
  // schema.json (`@imagespec/core/schema.json`): the spec's JSON Schema as a file, for editors
  // (`# yaml-language-server: $schema=`) and validators; written from the build just made.
  async onSuccess() {
    const { imageSpecJsonSchema } = await import(new URL('./dist/schema.js', import.meta.url).href);
    await writeFile(new URL('./schema.json', import.meta.url), `${JSON.stringify(imageSpecJsonSchema(), null, 2)}\n`);
  },
});
