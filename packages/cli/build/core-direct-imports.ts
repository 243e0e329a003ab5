import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Plugin } from 'esbuild';

/**
 * The CLI imports core's public barrel; the bundle should not. Through the barrel every
 * command reaches every core module, and in the bundle `imagespec tag` ran the module
 * setup of the registry client, the context tar and the engine (~4 ms of its start). This
 * build step rewrites each CLI file's `@imagespec/core` imports to the core modules that
 * define the names, so a command initializes only what it uses. The source still compiles
 * against the public API only.
 */

/** Which core module (absolute path) exports each name, and whether the name is a type only. */
export type CoreExports = ReadonlyMap<string, { readonly file: string; readonly typeOnly: boolean }>;

/** Reads core's barrel: only `export [type] { ... } from './x.js'` and `export * from './x/index.js'` (read the same way). */
export function readCoreExports(indexFile: string): CoreExports {
  const text = readFileSync(indexFile, 'utf8');
  const exports = new Map<string, { file: string; typeOnly: boolean }>();
  const star = /export\s+\*\s+from\s+'(\.[^']+)';/g;
  for (const match of text.matchAll(star)) {
    for (const [name, found] of readCoreExports(resolve(dirname(indexFile), match[1]!.replace(/\.js$/, '.ts')))) {
      exports.set(name, found);
    }
  }
  const statement = /export\s+(type\s+)?\{([^}]*)\}\s+from\s+'(\.[^']+)';/g;
  for (const match of text.matchAll(statement)) {
    const file = resolve(dirname(indexFile), match[3]!.replace(/\.js$/, '.ts'));
    for (const name of match[2]!.split(',').map((part) => part.trim())) {
      if (!name) continue;
      if (!/^[A-Za-z_$][\w$]*$/.test(name)) throw new Error(`${indexFile}: cannot map the export "${name}"`);
      exports.set(name, { file, typeOnly: Boolean(match[1]) });
    }
  }
  const rest = text
    .replace(statement, '')
    .replace(star, '')
    .replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, '')
    .trim();
  if (rest) {
    throw new Error(
      `${indexFile} has more than \`export [type] { ... } from './x.js'\` statements (${rest.slice(0, 60)}...): teach build/core-direct-imports.ts about them`,
    );
  }
  return exports;
}

const NAMESPACE_IMPORT = /import\s+(type\s+)?\*\s+as\s+(\w+)\s+from\s+'@imagespec\/core';/g;
const NAMED_IMPORT = /import\s+(type\s+)?\{([^}]*)\}\s+from\s+'@imagespec\/core';/g;

/** Rewrites a file's imports of `@imagespec/core` to direct imports of core's modules (pure). */
export function rewriteCoreImports(source: string, exports: CoreExports): string {
  const lookup = (name: string) => {
    const found = exports.get(name);
    if (!found) throw new Error(`@imagespec/core exports no ${name}`);
    return found;
  };
  const importLine = (name: string, local: string, typeOnly: boolean) =>
    `import ${typeOnly ? 'type ' : ''}{ ${name === local ? name : `${name} as ${local}`} } from ${JSON.stringify(lookup(name).file)};`;

  let out = source.replace(NAMED_IMPORT, (_all, wholeType: string | undefined, list: string) =>
    list
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => {
        const typeOnly = Boolean(wholeType) || part.startsWith('type ');
        const [name, local = name] = part.replace(/^type\s+/, '').split(/\s+as\s+/) as [string, string?];
        return importLine(name, local, typeOnly || lookup(name).typeOnly);
      })
      .join('\n'),
  );
  for (const match of [...out.matchAll(NAMESPACE_IMPORT)]) {
    const [statement, wholeType, namespace] = match as unknown as [string, string | undefined, string];
    const member = new RegExp(`\\b${namespace}\\.([A-Za-z_$][\\w$]*)`, 'g');
    const names = [...new Set([...out.matchAll(member)].map((use) => use[1]!))].sort();
    const local = (name: string) => `${namespace}$${name}`;
    const lines = names.map((name) => importLine(name, local(name), Boolean(wholeType) || lookup(name).typeOnly));
    out = out.replace(statement, lines.join('\n')).replace(member, (_use, name: string) => local(name));
  }
  return out;
}

/** The esbuild plugin: applies `rewriteCoreImports` to the CLI's own TypeScript files. */
export function coreDirectImports(options: { coreIndex: string; cliSrc: string }): Plugin {
  return {
    name: 'core-direct-imports',
    setup(build) {
      const exports = readCoreExports(options.coreIndex);
      build.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (!args.path.startsWith(options.cliSrc)) return undefined;
        const source = await readFile(args.path, 'utf8');
        return source.includes("'@imagespec/core'")
          ? { contents: rewriteCoreImports(source, exports), loader: 'ts' }
          : undefined;
      });
    },
  };
}
