import type { CliIo } from './io.js';

/**
 * Serves the modules core imports on demand that this bundle carries, so they come from the
 * V8 code cache with the rest of the CLI: exsolve, which resolves every builder named by its
 * package, cost ~20-25 ms per build as an ESM import from node_modules (compiled on every
 * run; measured with `--debug` timestamps on `imagespec build`). The rest goes to the io's
 * `importModule` (jiti stays out of the bundle: it is large and only TypeScript configs need it).
 */
export function withBundledModules(io: CliIo): CliIo {
  const outer = io.importModule;
  return {
    ...io,
    importModule: (specifier) =>
      // esbuild bundles this import and turns it into a lazy init: no native import() runs.
      specifier === 'exsolve' ? import('exsolve') : outer ? outer(specifier) : import(/* @vite-ignore */ specifier),
  };
}
