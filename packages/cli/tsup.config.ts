import { fileURLToPath } from 'node:url';
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
  // Startup is mostly module loading: core and its dependencies bundled into a few chunks
  // load several times faster than hundreds of files from node_modules (bench/cli-startup).
  // jiti stays external: it is large and only loaded for TypeScript configs and plugins.
  noExternal: [/^(?!jiti$).*/],
  external: ['jiti'],
  minify: true,
  esbuildOptions(options) {
    // Bundle core from its source modules, so each command's chunk holds only what it uses.
    options.alias = { '@imagespec/core': fileURLToPath(new URL('../core/src/index.ts', import.meta.url)) };
  },
  // Bundled CommonJS dependencies (yaml, tar-stream) call require(): give them one.
  banner: {
    js: "import { createRequire as __isCreateRequire } from 'node:module'; const require = __isCreateRequire(import.meta.url);",
  },
});
