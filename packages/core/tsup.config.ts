import { writeFile } from 'node:fs/promises';
import { defineConfig } from 'tsup';

export default defineConfig({
  // builder.ts: the light entry builder packages import (`@imagespec/core/builder`);
  // testing.ts: the engine's build request for builder packages' tests (`@imagespec/core/testing`).
  entry: ['src/index.ts', 'src/builder.ts', 'src/testing.ts'],
  format: ['esm'],
  target: 'node20',
  dts: true,
  clean: true,
  sourcemap: true,
  tsconfig: 'tsconfig.json',
  // schema.json (`@imagespec/core/schema.json`): the spec's JSON Schema as a file, for editors
  // (`# yaml-language-server: $schema=`) and validators; written from the build just made.
  async onSuccess() {
    const { imageSpecJsonSchema } = await import(new URL('./dist/index.js', import.meta.url).href);
    await writeFile(new URL('./schema.json', import.meta.url), `${JSON.stringify(imageSpecJsonSchema(), null, 2)}\n`);
  },
});
