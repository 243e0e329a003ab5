import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { lilconfig } from 'lilconfig';
import { isPair, isScalar, LineCounter, parseDocument, visit } from 'yaml';
import { ImagespecError, isImagespecError } from '../errors.js';
import { type ImportModule, nativeImport } from '../import-module.js';
import { type Env, substituteVariables } from '../spec/substitute.js';
import type { ResolvedConfig } from './define.js';
import { DEFAULT_BUILDERS, resolveConfig } from './resolve.js';

export const CONFIG_FILE_NAMES = [
  'imagespec.config.ts',
  'imagespec.config.mts',
  'imagespec.config.js',
  'imagespec.config.mjs',
  'imagespec.config.json',
  'imagespec.config.yaml',
  'imagespec.config.yml',
] as const;

export interface LoadConfigOptions {
  /** Where the upward search starts, and the config's folder when there is no file. */
  readonly cwd: string;
  /** An explicit config file (`--config`), relative to cwd; it must exist. */
  readonly configFile?: string;
  /** For `${VAR}` in JSON and YAML config values (default: `process.env`). */
  readonly env?: Env;
  /** Imports JavaScript and TypeScript configs, and jiti for the latter (default: this module's `import()`). */
  readonly importModule?: ImportModule;
}

/**
 * Finds and loads the config: `--config` when given, else the first
 * `imagespec.config.*` upward from cwd (lilconfig; TypeScript through jiti, loaded only
 * for .ts/.mts). Without a file the defaults apply: builders `['@imagespec/builder-docker']`
 * (the README's quick start installs it) and `dir` = cwd.
 */
export async function loadConfig(options: LoadConfigOptions): Promise<ResolvedConfig> {
  const cwd = resolve(options.cwd);
  const env = options.env ?? process.env;
  const loadModule = (file: string) => loadConfigModule(file, options.importModule ?? nativeImport);
  const explorer = lilconfig('imagespec', {
    loaders: {
      '.ts': loadModule,
      '.mts': loadModule,
      '.js': loadModule,
      '.mjs': loadModule,
      '.json': (file, content) => substituteConfigValues(file, loadJson(file, content), env),
      '.yaml': (file, content) => loadYaml(file, content, env),
      '.yml': (file, content) => loadYaml(file, content, env),
    },
    cache: false,
  });
  let found: { filepath: string; config: unknown; isEmpty?: boolean } | null;
  if (options.configFile !== undefined) {
    const file = resolve(cwd, options.configFile);
    if (!existsSync(file) || !statSync(file).isFile()) {
      throw new ImagespecError('CONFIG_NOT_FOUND', `The config file ${file} (given with --config) does not exist.`, {
        hint: `Check the path, or drop --config to search upward from ${cwd} for ${CONFIG_FILE_NAMES.join(', ')}.`,
        details: { file },
      });
    }
    if (!(extname(file) in LOADER_EXTENSIONS)) {
      throw new ImagespecError(
        'CONFIG_LOAD_FAILED',
        `Cannot load the config file ${file}: its extension is not one of ${Object.keys(LOADER_EXTENSIONS).join(', ')}.`,
        {
          hint: 'Rename it to imagespec.config.ts, .mjs, .json or .yaml.',
          details: { file },
        },
      );
    }
    found = await explorer.load(file);
  } else {
    const file = findConfigFile(cwd);
    found = file ? await explorer.load(file) : null;
  }
  if (!found) return resolveConfig({ builders: DEFAULT_BUILDERS }, { dir: cwd });
  const file = found.filepath;
  let value = found.isEmpty ? {} : found.config;
  if (typeof value === 'function') {
    try {
      value = await (value as () => unknown)();
    } catch (error) {
      throw loadFailed(file, error);
    }
  }
  return resolveConfig(value ?? {}, { file, dir: dirname(file) });
}

/**
 * The first config file upward from `cwd`, with lilconfig's stop rule (the home directory
 * when cwd is under it, else the root). Blocking existsSync, not lilconfig's search: that
 * awaits one fs.promises.access per name and folder, ~20 thread-pool round trips per CLI
 * start for a few microseconds of work each.
 */
function findConfigFile(cwd: string): string | undefined {
  const stopDir = resolve(homedir());
  for (let dir = cwd; ; dir = dirname(dir)) {
    for (const name of CONFIG_FILE_NAMES) {
      const file = join(dir, name);
      if (existsSync(file)) return file;
    }
    if (dir === stopDir || dir === dirname(dir)) return undefined;
  }
}

const LOADER_EXTENSIONS = { '.ts': 1, '.mts': 1, '.js': 1, '.mjs': 1, '.json': 1, '.yaml': 1, '.yml': 1 };

async function loadConfigModule(file: string, importModule: ImportModule): Promise<unknown> {
  let module: Record<string, unknown>;
  try {
    if (file.endsWith('.ts') || file.endsWith('.mts')) {
      // jiti only for TypeScript configs: it is the heaviest part of loading one.
      const { createJiti } = (await importModule('jiti')) as typeof import('jiti');
      module = (await createJiti(import.meta.url, { moduleCache: false }).import(file)) as Record<string, unknown>;
    } else {
      module = (await importModule(pathToFileURL(file).href)) as Record<string, unknown>;
    }
  } catch (error) {
    throw loadFailed(file, error);
  }
  if (!('default' in module)) {
    throw new ImagespecError('CONFIG_INVALID', `The config file ${file} has no default export.`, {
      hint: 'Write `export default defineConfig({ builders: [...] })`.',
      details: { file },
    });
  }
  return module.default;
}

function loadJson(file: string, content: string): unknown {
  try {
    return JSON.parse(content);
  } catch (error) {
    throw loadFailed(file, error);
  }
}

function loadYaml(file: string, content: string, env: Env): unknown {
  const lineCounter = new LineCounter();
  const document = parseDocument(content, { prettyErrors: true, lineCounter });
  const [first] = document.errors;
  if (first) {
    const at = first.linePos?.[0];
    throw new ImagespecError(
      'CONFIG_LOAD_FAILED',
      `Cannot parse the config file ${file}${at ? `:${at.line}:${at.col}` : ''}: ${first.message.split('\n')[0]}`,
      {
        hint: 'Fix the YAML syntax at the position shown.',
        cause: first,
        details: { file, ...(at && { line: at.line, column: at.col }) },
      },
    );
  }
  // `${VAR}` in values (never keys), at the scalar's own line when it names an unset variable.
  visit(document, {
    Scalar(key, node, path) {
      if (key === 'key' || typeof node.value !== 'string') return;
      const result = substituteVariables(node.value, env);
      if (result.ok) {
        node.value = result.value;
        return;
      }
      const at = node.range ? lineCounter.linePos(node.range[0]) : undefined;
      throw unsetVariable(file, at && `${at.line}:${at.col}`, configPath(path), result.message);
    },
  });
  return document.toJS();
}

/** JSON configs: `${VAR}` in every string value, with the value's path when one cannot be read. */
function substituteConfigValues(file: string, value: unknown, env: Env, path: string[] = []): unknown {
  if (typeof value === 'string') {
    const result = substituteVariables(value, env);
    if (!result.ok) throw unsetVariable(file, undefined, path.join('.') || '(root)', result.message);
    return result.value;
  }
  if (Array.isArray(value))
    return value.map((item, index) => substituteConfigValues(file, item, env, [...path, String(index)]));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, substituteConfigValues(file, item, env, [...path, key])]),
    );
  }
  return value;
}

function configPath(path: readonly unknown[]): string {
  const keys = path.flatMap((node) => (isPair(node) && isScalar(node.key) ? [String(node.key.value)] : []));
  return keys.join('.') || '(root)';
}

function unsetVariable(file: string, position: string | undefined, path: string, message: string): ImagespecError {
  return new ImagespecError('CONFIG_INVALID', `${file}${position ? `:${position}` : ''}: ${path}: ${message}.`, {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the hint shows the syntax itself
    hint: 'Set the variable in the environment, or give a default with ${NAME:-default}; $$ is a literal $.',
    details: { file, path },
  });
}

function loadFailed(file: string, error: unknown): ImagespecError {
  if (isImagespecError(error)) return error;
  const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
  return new ImagespecError('CONFIG_LOAD_FAILED', `Cannot load the config file ${file}: ${reason}`, {
    hint: 'Fix the error in the config file (run it with node to see the full stack), or point --config at another file.',
    cause: error,
    details: { file },
  });
}
