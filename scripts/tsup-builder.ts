import { defineConfig, type Options } from 'tsup';

/**
 * The build of a builder package. zod is bundled (tree-shaken, ~90 KB): a builder is
 * imported into every `imagespec build`, and zod from node_modules is some eighty modules
 * that took ~40 ms to load, a quarter of the docker builder's import. zod stays a
 * dependency for the options types in the .d.ts; options schemas never cross packages as
 * zod objects (core only calls `safeParse`).
 */
export function builderPackageConfig(overrides: Options = {}) {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm'],
    target: 'node20',
    dts: true,
    clean: true,
    sourcemap: true,
    tsconfig: 'tsconfig.json',
    noExternal: ['zod'],
    ...overrides,
  });
}
