import { fileURLToPath } from 'node:url';
import { defineConfig } from 'tsup';
import { coreDirectImports } from './build/core-direct-imports.js';
import { HOST_IMPORT_FALLBACK, hostImport } from './build/host-import.js';
import { lazyChildProcessForCommander } from './build/lazy-child-process.js';

const BUNDLE = 'imagespec.cjs';
const path = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));

export default defineConfig([
  {
    // The CLI's implementation: core (from its source) and every dependency but jiti in one
    // CommonJS file, which the bin runs from a V8 code cache (src/code-cache.ts). jiti stays
    // external: it is large and only loaded for TypeScript configs and plugins.
    entry: { imagespec: 'src/main.ts' },
    format: ['cjs'],
    outExtension: () => ({ js: '.cjs' }),
    target: 'node20',
    clean: [`${BUNDLE}*`],
    sourcemap: true,
    shims: true,
    minify: true,
    tsconfig: 'tsconfig.json',
    noExternal: [/^(?!jiti$).*/],
    external: ['jiti'],
    banner: { js: HOST_IMPORT_FALLBACK },
    esbuildPlugins: [
      coreDirectImports({ coreIndex: path('../core/src/index.ts'), cliSrc: path('./src/') }),
      hostImport({ coreSrc: path('../core/src/') }),
      lazyChildProcessForCommander,
    ],
    esbuildOptions(options) {
      // Whatever still names the barrel gets core's source too, never a second copy from its dist.
      options.alias = { '@imagespec/core': path('../core/src/index.ts') };
    },
  },
  {
    // cli.ts is the binary; index.ts exports runCli for programmatic use and tests. Both reach
    // the implementation through the bundle above, never a second copy of it.
    entry: ['src/index.ts', 'src/cli.ts'],
    format: ['esm'],
    target: 'node20',
    dts: { entry: 'src/index.ts' },
    clean: ['*.js', '*.js.map', '*.d.ts'],
    sourcemap: true,
    tsconfig: 'tsconfig.json',
    esbuildPlugins: [
      {
        name: 'main-from-bundle',
        setup(build) {
          build.onResolve({ filter: /^\.\/main\.js$/ }, () => ({ path: `./${BUNDLE}`, external: true }));
        },
      },
    ],
  },
]);
