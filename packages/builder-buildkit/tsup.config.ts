import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  target: 'node20',
  dts: true,
  clean: true,
  sourcemap: true,
  tsconfig: 'tsconfig.json',
  // Not yet in this package's dependencies (core brings it): never bundle its CommonJS into our ESM.
  external: ['tar-stream'],
});
