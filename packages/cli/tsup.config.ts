import { defineConfig } from 'tsup';

export default defineConfig({
  // cli.ts is the binary; index.ts exports runCli for programmatic use and tests.
  entry: ['src/index.ts', 'src/cli.ts'],
  format: ['esm'],
  target: 'node20',
  dts: { entry: 'src/index.ts' },
  clean: true,
  sourcemap: true,
  splitting: true,
  tsconfig: 'tsconfig.json',
});
