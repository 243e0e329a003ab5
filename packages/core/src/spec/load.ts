import { readFile } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  type YAMLMap,
} from 'yaml';
import { ImagespecError } from '../errors.js';
import { formatIssuePath, type IssuePath, type RawIssue } from './issues.js';
import { collectNormalizedSpec, type SpecIssue, specInvalidError } from './normalize.js';
import { FLYTEKIT_ALIASES } from './schema.js';
import type { ResolvedImageSpec } from './types.js';

/**
 * Spec files: one spec with top-level fields, or several under `images: { <key>: spec }`
 * (`name` defaults to the key; `baseImage: <key>` means that spec, built first). YAML is
 * read through the `yaml` package's document API so every problem is reported at its
 * file:line:column; JSON goes through the same path after JSON.parse has vouched for it.
 */

export interface SpecLocation {
  readonly line: number;
  readonly column: number;
}

export interface SpecFile {
  readonly file: string;
  /** Bases before the specs that build on them; otherwise in file order. */
  readonly specs: readonly ResolvedImageSpec[];
  /** Where a field path (from the file's root, e.g. `images.app.packages[0]` as segments) was written. */
  locate(path: IssuePath): SpecLocation | undefined;
}

export interface ParseSpecOptions {
  readonly file: string;
  readonly format: 'yaml' | 'json';
}

/** flytekit fields with no imagespec counterpart, and what to do instead. */
const FLYTEKIT_UNSUPPORTED: Record<string, string> = {
  registry_config: 'imagespec reads registry credentials from ~/.docker/config.json; remove `registry_config`',
  python_exec: "imagespec runs the base image's python; remove `python_exec` or choose a baseImage",
  runtime_packages: 'imagespec installs every package at build time; move them to `packages`',
};

const FLYTEKIT_COPY_MODES: Record<string, string> = { ALL: 'all', NO_COPY: 'none', no_copy: 'none' };

type Entry = { readonly location: SpecLocation; readonly display: IssuePath };

/** Converts YAML nodes to plain values, remembering where each path was written. */
class Reader {
  readonly entries = new Map<string, Entry>();
  readonly issues: RawIssue[] = [];

  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /** Follows an alias (`*anchor`) to the node it names. */
  deref(node: unknown): unknown {
    return isAlias(node) ? node.resolve(this.doc) : node;
  }

  at(node: Node | null | undefined): SpecLocation {
    const offset = node?.range?.[0] ?? 0;
    const { line, col } = this.lines.linePos(offset);
    return { line: Math.max(line, 1), column: col };
  }

  record(path: IssuePath, display: IssuePath, node: Node | null | undefined): void {
    this.entries.set(JSON.stringify(path), { location: this.at(node), display });
  }

  /** Longest recorded prefix of `path`, with the rest of the path appended to its display form. */
  find(path: IssuePath): { location: SpecLocation; display: IssuePath } | undefined {
    for (let length = path.length; length >= 0; length--) {
      const entry = this.entries.get(JSON.stringify(path.slice(0, length)));
      if (entry) return { location: entry.location, display: [...entry.display, ...path.slice(length)] };
    }
    return undefined;
  }

  /** Plain data. `keepNumbers` is for builderOptions; elsewhere an unquoted 3.10 means the text "3.10". */
  value(node: unknown, path: IssuePath, display: IssuePath, keepNumbers = false): unknown {
    const target = this.deref(node);
    if (isScalar(target)) {
      if (!keepNumbers && typeof target.value === 'number' && target.type === 'PLAIN')
        return target.source ?? String(target.value);
      return target.value;
    }
    if (isSeq(target)) {
      return target.items.map((item, index) => {
        this.record([...path, index], [...display, index], item as Node);
        return this.value(item, [...path, index], [...display, index], keepNumbers);
      });
    }
    if (isMap(target)) {
      const out: Record<string, unknown> = {};
      for (const pair of target.items) {
        const key = this.key(pair.key);
        this.record([...path, key], [...display, key], pair.key as Node);
        out[key] = this.value(pair.value, [...path, key], [...display, key], keepNumbers);
      }
      return out;
    }
    return target ?? null;
  }

  key(node: unknown): string {
    const target = this.deref(node);
    return isScalar(target) ? String(target.source ?? target.value) : String(target);
  }

  /** A spec map: flytekit names renamed, nulls dropped (flytekit writes unset fields as null). */
  spec(node: unknown, path: IssuePath, display: IssuePath): unknown {
    const target = this.deref(node);
    if (!isMap(target)) return this.value(target, path, display);
    const out: Record<string, unknown> = {};
    const written = new Map<string, string>();
    for (const pair of target.items) {
      const key = this.key(pair.key);
      const field = FLYTEKIT_ALIASES[key] ?? key;
      const fieldPath = [...path, field];
      this.record(fieldPath, [...display, key], pair.key as Node);
      const unsupported = FLYTEKIT_UNSUPPORTED[key];
      if (unsupported) {
        this.issues.push({ path: fieldPath, message: `flytekit field \`${key}\` is not supported: ${unsupported}` });
        continue;
      }
      const earlier = written.get(field);
      if (earlier !== undefined) {
        this.issues.push({ path: fieldPath, message: `\`${key}\` repeats \`${earlier}\`; keep one of them` });
        continue;
      }
      written.set(field, key);
      const value = this.field(field, pair.value, fieldPath, [...display, key]);
      if (value !== null) out[field] = value;
    }
    return out;
  }

  field(field: string, node: unknown, path: IssuePath, display: IssuePath): unknown {
    const target = this.deref(node);
    if (field === 'baseImage' && isMap(target)) return this.spec(target, path, display);
    if (field === 'builderOptions') return this.value(target, path, display, true);
    const value = this.value(target, path, display);
    if (field === 'sourceCopyMode' && typeof value === 'string') return FLYTEKIT_COPY_MODES[value] ?? value;
    if (field === 'pipSecretMounts' && Array.isArray(value)) {
      // flytekit writes each mount as a [src, target] pair.
      return value.map((mount) =>
        Array.isArray(mount) && mount.length === 2 && mount.every((part) => typeof part === 'string')
          ? { src: mount[0], target: mount[1] }
          : mount,
      );
    }
    return value;
  }
}

/** Parses and normalizes a spec file's text. Throws SPEC_SYNTAX, SPEC_INVALID or SPEC_CYCLE. */
export function parseSpecText(text: string, options: ParseSpecOptions): SpecFile {
  const file = resolve(options.file);
  const source = text.replace(/^\uFEFF/, '');
  if (options.format === 'json') checkJsonSyntax(source, file);
  const lines = new LineCounter();
  const doc = parseDocument(source, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const [syntax] = doc.errors;
  if (syntax) {
    const { line, col } = lines.linePos(syntax.pos[0]);
    throw new ImagespecError('SPEC_SYNTAX', `${file}:${line}:${col}: ${firstLine(syntax.message)}`, {
      hint: 'Fix the YAML syntax at that position.',
      details: {
        file,
        line,
        column: col,
        issues: [{ path: '(root)', message: firstLine(syntax.message), file, line, column: col }],
      },
    });
  }
  const reader = new Reader(doc, lines);
  const root = doc.contents;
  reader.record([], [], root);
  if (!isMap(root)) {
    const message = root ? 'a spec file holds a map of fields (or `images:`)' : 'the file is empty';
    throw specInvalidError([{ path: '(root)', message, file, ...reader.at(root) }], { file });
  }
  const inputs = readInputs(reader, root);
  const specs = resolveSpecs(inputs, file, reader);
  return {
    file,
    specs,
    locate: (path) => reader.find(path)?.location,
  };
}

interface KeyedInput {
  readonly key?: string;
  readonly path: IssuePath;
  readonly input: unknown;
}

function readInputs(reader: Reader, root: YAMLMap): KeyedInput[] {
  const imagesPair = root.items.find((pair) => reader.key(pair.key) === 'images');
  if (!imagesPair) return [{ path: [], input: reader.spec(root, [], []) }];
  for (const pair of root.items) {
    const key = reader.key(pair.key);
    if (key === 'images') continue;
    reader.record([key], [key], pair.key as Node);
    reader.issues.push({
      path: [key],
      message: `unknown field \`${key}\`: a file with \`images\` holds only \`images\``,
    });
  }
  const images = reader.deref(imagesPair.value);
  reader.record(['images'], ['images'], imagesPair.key as Node);
  if (!isMap(images) || images.items.length === 0) {
    reader.issues.push({ path: ['images'], message: 'expected a map of image keys to specs' });
    return [];
  }
  return images.items.map((pair) => {
    const key = reader.key(pair.key);
    const path = ['images', key];
    reader.record(path, path, pair.key as Node);
    const input = reader.spec(pair.value, path, path);
    if (input && typeof input === 'object' && !Array.isArray(input) && !('name' in input)) {
      (input as Record<string, unknown>).name = key;
    }
    return { key, path, input };
  });
}

/** Orders specs bases-first, resolves `baseImage: <key>`, normalizes each and reports every issue at once. */
function resolveSpecs(inputs: readonly KeyedInput[], file: string, reader: Reader): ResolvedImageSpec[] {
  const byKey = new Map(inputs.filter((entry) => entry.key !== undefined).map((entry) => [entry.key!, entry]));
  const baseKey = (entry: KeyedInput): string | undefined => {
    const base = (entry.input as { baseImage?: unknown } | null)?.baseImage;
    return typeof base === 'string' && byKey.has(base) ? base : undefined;
  };
  const order: KeyedInput[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (entry: KeyedInput, chain: string[]): void => {
    if (entry.key === undefined) return void order.push(entry);
    if (state.get(entry.key) === 'done') return;
    if (state.get(entry.key) === 'visiting') {
      const cycle = [...chain.slice(chain.indexOf(entry.key)), entry.key];
      const location = reader.find([...entry.path, 'baseImage'])?.location;
      throw new ImagespecError(
        'SPEC_CYCLE',
        `Specs in ${file}${location ? `:${location.line}:${location.column}` : ''} build on each other in a cycle: ${cycle.join(' -> ')}`,
        {
          hint: 'A baseImage that names another spec must not lead back to itself; point one of them at an image.',
          details: { file, cycle },
        },
      );
    }
    state.set(entry.key, 'visiting');
    const base = baseKey(entry);
    if (base) visit(byKey.get(base)!, [...chain, entry.key]);
    state.set(entry.key, 'done');
    order.push(entry);
  };
  for (const entry of inputs) visit(entry, []);

  const resolved = new Map<string, ResolvedImageSpec>();
  const issues: RawIssue[] = [...reader.issues];
  const dir = dirname(file);
  for (const entry of order) {
    const base = baseKey(entry);
    const input = base ? { ...(entry.input as object), baseImage: undefined } : entry.input;
    const origin = { file, dir, ...(entry.key !== undefined && { key: entry.key }) };
    const result = collectNormalizedSpec(
      input,
      origin,
      base && resolved.has(base) ? { base: resolved.get(base)! } : {},
    );
    issues.push(...result.issues.map((issue) => ({ path: [...entry.path, ...issue.path], message: issue.message })));
    if (result.spec && entry.key !== undefined) resolved.set(entry.key, result.spec);
    if (result.spec && entry.key === undefined) resolved.set('', result.spec);
  }
  if (issues.length > 0) {
    const located = issues.map((issue): SpecIssue => {
      const found = reader.find(issue.path);
      return {
        path: formatIssuePath(found?.display ?? issue.path),
        message: issue.message,
        file,
        ...(found && { line: found.location.line, column: found.location.column }),
      };
    });
    // Reading order: a user fixes a file top to bottom.
    located.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
    const single =
      inputs.length === 1 && inputs[0]?.key === undefined ? (inputs[0]?.input as { name?: unknown }) : undefined;
    throw specInvalidError(located, { file, name: typeof single?.name === 'string' ? single.name : undefined });
  }
  return order.map((entry) => resolved.get(entry.key ?? '')!);
}

function checkJsonSyntax(text: string, file: string): void {
  try {
    JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message);
    let line: number | undefined;
    let column: number | undefined;
    if (position) {
      const before = text.slice(0, Number(position[1]));
      line = before.split('\n').length;
      column = before.length - before.lastIndexOf('\n');
    }
    const where = line === undefined ? file : `${file}:${line}:${column}`;
    throw new ImagespecError('SPEC_SYNTAX', `${where}: ${message}`, {
      hint: 'Fix the JSON syntax at that position.',
      cause: error,
      details: { file, ...(line !== undefined && { line, column }) },
    });
  }
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

/** Reads a spec file (YAML, or JSON by its .json extension). Throws SPEC_NOT_FOUND when it is missing. */
export async function loadSpecFile(path: string): Promise<SpecFile> {
  const file = resolve(path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') {
      throw new ImagespecError(
        'SPEC_NOT_FOUND',
        code === 'EISDIR' ? `Spec file ${file} is a folder` : `Spec file ${file} does not exist`,
        {
          hint: 'Pass the path of a .yaml, .yml or .json spec file (`imagespec init` writes one).',
          cause: error,
          details: { file },
        },
      );
    }
    throw error;
  }
  return parseSpecText(text, { file, format: extname(file).toLowerCase() === '.json' ? 'json' : 'yaml' });
}
