import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'tsup';
import { lazyChildProcessForCommander } from './build/lazy-child-process.js';

const BUNDLE = 'imagespec.cjs';
const path = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));

/**
 * The source of a public entry of core: `@imagespec/core/spec` is src/spec/index.ts (a room's
 * list), `@imagespec/core/errors` src/errors.ts. Only what core's package.json exports.
 */
function coreSource(specifier: string): string | undefined {
  const { exports } = JSON.parse(readFileSync(path('../core/package.json'), 'utf8')) as { exports: object };
  const name = specifier.slice('@imagespec/core/'.length);
  if (!(`.${name ? `/${name}` : ''}` in exports)) return undefined;
  const candidates = name ? [`../core/src/${name}/index.ts`, `../core/src/${name}.ts`] : ['../core/src/index.ts'];
  return candidates.map(path).find((file) => existsSync(file));
}

export default defineConfig([
  {
    // The CLI's implementation: core (from its source) and every dependency but jiti in one
    // CommonJS file, which the bin runs from a V8 code cache (src/code-cache.ts). jiti (large)
    // is loaded only for TypeScript configs and plugins; exsolve, which resolves builder
    // packages on every build, is bundled (lazily initialized) so it comes from the cache too
    // (src/bundled-modules.ts).
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
    // Builtins keep their node: names and reach esbuildPlugins (tsup would resolve them first).
    removeNodeProtocol: false,
    esbuildPlugins: [
      {
        // Core from its source, entry by entry: each command imports the rooms of core it
        // uses (`@imagespec/core/spec`, `/hash`, ...), and the bundle initializes only those.
        name: 'core-from-source',
        setup(build) {
          build.onResolve({ filter: /^@imagespec\/core(\/[a-z-]+)?$/ }, (args) => {
            const file = coreSource(args.path);
            return file ? { path: file } : { errors: [{ text: `${args.path} is not an entry of @imagespec/core` }] };
          });
        },
      },
      lazyChildProcessForCommander,
    ],
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
