import type { Plugin } from 'esbuild';

/**
 * Commander requires node:child_process when it loads, for git-style executable subcommands
 * (`spawn`), which the CLI has none of; child_process brings net and dgram into every start.
 * Commander's import of it resolves to a stand-in that loads the real module on first use:
 * a module swapped at resolution, not an edit of commander's text, so whatever commander
 * reads from it still works.
 */
export const lazyChildProcessForCommander: Plugin = {
  name: 'lazy-child-process-for-commander',
  setup(build) {
    build.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      /[\\/]commander[\\/]/.test(args.importer) ? { path: 'child_process', namespace: 'lazy-builtin' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, () => ({
      contents:
        "let real;\nmodule.exports = new Proxy({}, { get: (_, key) => (real ??= require('node:child_process'))[key] });\n",
      loader: 'js',
    }));
  },
};
