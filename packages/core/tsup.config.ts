import { defineConfig } from 'tsup';

export default defineConfig({
  // builder.ts: the light entry builder packages import (`@imagespec/core/builder`).
  entry: ['src/index.ts', 'src/builder.ts'],
  format: ['esm'],
  target: 'node20',
  dts: true,
  clean: true,
  sourcemap: true,
  tsconfig: 'tsconfig.json',
});
