import { readFile } from 'node:fs/promises';
import type { Plugin } from 'esbuild';
import { HOST_IMPORT } from '../src/code-cache.js';

/** Declares HOST_IMPORT for bundle code run by Node's own loader, which passes no such parameter (see hostImport). */
export const HOST_IMPORT_FALLBACK = `'use strict'; var ${HOST_IMPORT} = typeof ${HOST_IMPORT} === 'function' ? ${HOST_IMPORT} : (specifier) => import(specifier);`;

const DYNAMIC_IMPORT = /(?<![.\w$])import\((?!\s*['"]\.)/g;

/**
 * Node 20 loses a vm.Script's dynamic import handler when the script is compiled from a
 * code cache ("A dynamic import callback was not specified"), so `import()` of builder
 * plugins, config files and jiti cannot stay in the cached bundle. In core's modules (the
 * only ones with such imports) this rewrites `import(x)` to a call of a function the
 * loader passes in, which imports from the bin's own ES module. Bundled code loaded
 * without that loader (the package's `runCli` export, through Node's require) falls back
 * to a plain `import()`. The build fails if no import was rewritten: a rename would
 * otherwise bring the bug back silently.
 */
export function hostImport(options: { coreSrc: string }): Plugin {
  return {
    name: 'host-import',
    setup(build) {
      let rewritten = 0;
      build.onStart(() => {
        rewritten = 0;
      });
      build.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (!args.path.startsWith(options.coreSrc) || args.path.endsWith('.test.ts')) return undefined;
        const source = await readFile(args.path, 'utf8');
        let count = 0;
        const contents = source.replace(DYNAMIC_IMPORT, () => {
          count += 1;
          return `${HOST_IMPORT}(`;
        });
        if (count === 0) return undefined;
        rewritten += count;
        return { contents, loader: 'ts' };
      });
      build.onEnd((result) => {
        if (result.errors.length === 0 && rewritten === 0) {
          result.errors.push({
            id: 'host-import',
            pluginName: 'host-import',
            text: `no import() found to rewrite in ${options.coreSrc}; check build/host-import.ts`,
            location: null,
            notes: [],
            detail: undefined,
          });
        }
      });
    },
  };
}
