/**
 * How core imports what it does not bundle: builder modules, config files and jiti. A host
 * where `import()` does not work passes its own: the CLI runs core inside a bundle compiled
 * from a V8 code cache, and Node 20 loses a cached script's dynamic import handler.
 */
export type ImportModule = (specifier: string) => Promise<unknown>;

export const nativeImport: ImportModule = (specifier) => import(/* @vite-ignore */ specifier);
