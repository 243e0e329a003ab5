import { readFile, stat } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import {
  type Alias,
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  visit,
  type YAMLMap,
} from 'yaml';
import type { ResolvedImageSpec } from '../contract/spec.js';
import { ImagespecError, isImagespecError } from '../errors.js';
import { formatIssuePath, type IssuePath, type RawIssue } from './issues.js';
import { formatBytes, MAX_ALIAS_VALUES, MAX_NESTING_DEPTH, MAX_SPEC_FILE_BYTES } from './limits.js';
import { collectNormalizedSpec, type SpecIssue, specInvalidError } from './normalize.js';
import { applySpecOverrides, type SpecOverride } from './overrides.js';
import { rememberPlaces } from './places.js';
import { FLYTEKIT_ALIASES } from './schema.js';
import { type Env, SHELL_FIELDS, substituteVariables } from './substitute.js';

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

export interface LoadSpecOptions {
  /** Where `${VAR}` in values is looked up (default process.env). */
  readonly env?: Env;
  /** `--set` overrides, applied after substitution and before validation. */
  readonly overrides?: readonly SpecOverride[];
}

export interface ParseSpecOptions extends LoadSpecOptions {
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

/** Own keys only: a user's key such as `constructor` must not find Object.prototype's. */
function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/**
 * Converts YAML nodes to plain values, remembering where each path was written. Maps
 * become objects built with Object.fromEntries, so a `__proto__` key stays a key (an
 * assignment would set the prototype and drop it). Aliases are followed here, not by the
 * yaml package: an alias to no anchor, an alias into its own node and an alias bomb are
 * reported at their path.
 */
class Reader {
  readonly entries = new Map<string, Entry>();
  readonly issues: RawIssue[] = [];
  /** Sequences and maps being read: an alias to one of them would expand forever. */
  private readonly open = new Set<unknown>();
  private aliasDepth = 0;
  private aliasValues = 0;
  /** The outermost alias being expanded: where an alias bomb is reported. */
  private aliasStart: { path: IssuePath; node: Node } | undefined;
  /**
   * Each alias's node, found in one pass: the yaml package's Alias.resolve walks the whole
   * document on every call, so 9,000 aliases in a 36 KB file took 5 s.
   */
  private readonly targets = new Map<Alias, Node | undefined>();

  constructor(
    doc: Document,
    private readonly lines: LineCounter,
    private readonly file: string,
    private readonly env: Env,
  ) {
    // Document order: an alias names the last anchor of that name before it (YAML 1.2, 3.2.2.2).
    const anchors = new Map<string, Node>();
    visit(doc, {
      Node: (_, node) => {
        if (isAlias(node)) this.targets.set(node, anchors.get(node.source));
        else if (node.anchor) anchors.set(node.anchor, node);
      },
    });
  }

  /** Reads `node`, following it first when it is an alias (`*anchor`); null, with an issue, when that fails. */
  follow(node: unknown, path: IssuePath, read: (target: unknown) => unknown): unknown {
    if (!isAlias(node)) return read(node);
    const target = this.targets.get(node);
    if (target === undefined) {
      this.issues.push({
        path,
        message: `the alias \`*${node.source}\` names no anchor; define \`&${node.source}\` before it, or write the value out`,
      });
      return null;
    }
    if (this.open.has(target)) {
      this.issues.push({ path, message: `the alias \`*${node.source}\` refers to a value that contains it` });
      return null;
    }
    if (this.aliasDepth === 0) this.aliasStart = { path, node };
    this.aliasDepth++;
    try {
      return read(target);
    } finally {
      this.aliasDepth--;
    }
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
    return this.follow(node, path, (target) => {
      this.countAliasValue();
      if (isScalar(target)) {
        if (!keepNumbers && typeof target.value === 'number' && target.type === 'PLAIN')
          return target.source ?? String(target.value);
        return target.value;
      }
      if (isSeq(target)) {
        return this.reading(target, () =>
          target.items.map((item, index) => {
            this.record([...path, index], [...display, index], item as Node);
            return this.value(item, [...path, index], [...display, index], keepNumbers);
          }),
        );
      }
      if (isMap(target)) {
        return this.reading(target, () => {
          const out: [string, unknown][] = [];
          const seen = new Set<string>();
          for (const pair of target.items) {
            const key = this.key(pair.key);
            const keyPath = [...path, key];
            if (this.repeated(seen, key, keyPath, pair.key as Node)) continue;
            this.record(keyPath, [...display, key], pair.key as Node);
            out.push([key, this.value(pair.value, keyPath, [...display, key], keepNumbers)]);
          }
          return Object.fromEntries(out);
        });
      }
      return target ?? null;
    });
  }

  key(node: unknown): string {
    const target = isAlias(node) ? this.targets.get(node) : node;
    if (isAlias(node) && target === undefined) return `*${node.source}`;
    return isScalar(target) ? String(target.source ?? target.value) : String(target);
  }

  /** A spec map: flytekit names renamed, nulls dropped (flytekit writes unset fields as null). */
  spec(node: unknown, path: IssuePath, display: IssuePath): unknown {
    return this.follow(node, path, (target) => {
      if (!isMap(target)) return this.value(target, path, display);
      return this.reading(target, () => {
        const out: [string, unknown][] = [];
        const written = new Map<string, string>();
        const seen = new Set<string>();
        for (const pair of target.items) {
          const key = this.key(pair.key);
          const field = own(FLYTEKIT_ALIASES, key) ?? key;
          const fieldPath = [...path, field];
          if (this.repeated(seen, key, fieldPath, pair.key as Node)) continue;
          this.record(fieldPath, [...display, key], pair.key as Node);
          const unsupported = own(FLYTEKIT_UNSUPPORTED, key);
          if (unsupported) {
            this.issues.push({
              path: fieldPath,
              message: `flytekit field \`${key}\` is not supported: ${unsupported}`,
            });
            continue;
          }
          const earlier = written.get(field);
          if (earlier !== undefined) {
            this.issues.push({ path: fieldPath, message: `\`${key}\` repeats \`${earlier}\`; keep one of them` });
            continue;
          }
          written.set(field, key);
          const value = this.field(field, pair.value, fieldPath, [...display, key]);
          if (value !== null) out.push([field, value]);
        }
        return Object.fromEntries(out);
      });
    });
  }

  field(field: string, node: unknown, path: IssuePath, display: IssuePath): unknown {
    return this.follow(node, path, (target) => {
      if (field === 'baseImage' && isMap(target)) return this.spec(target, path, display);
      if (field === 'builderOptions') return this.substitute(this.value(target, path, display, true), path);
      const read = this.value(target, path, display);
      const value = SHELL_FIELDS.has(field) ? read : this.substitute(read, path);
      if (field === 'sourceCopyMode' && typeof value === 'string') return own(FLYTEKIT_COPY_MODES, value) ?? value;
      if (field === 'pipSecretMounts' && Array.isArray(value)) {
        // flytekit writes each mount as a [src, target] pair.
        return value.map((mount) =>
          Array.isArray(mount) && mount.length === 2 && mount.every((part) => typeof part === 'string')
            ? { src: mount[0], target: mount[1] }
            : mount,
        );
      }
      return value;
    });
  }

  /** `${VAR}` in every string of a value (keys stay as written); an unset variable is an issue at its path. */
  private substitute(value: unknown, path: IssuePath): unknown {
    if (typeof value === 'string') {
      const result = substituteVariables(value, this.env);
      if (result.ok) return result.value;
      this.issues.push({ path, message: result.message });
      return value;
    }
    if (Array.isArray(value)) return value.map((item, index) => this.substitute(item, [...path, index]));
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value).map(([key, item]) => [key, this.substitute(item, [...path, key])]),
      );
    }
    return value;
  }

  /** A key written twice in one map: the YAML spec forbids it, and which one wins would be a guess. */
  repeated(seen: Set<string>, key: string, path: IssuePath, node: Node): boolean {
    if (!seen.has(key)) {
      seen.add(key);
      return false;
    }
    const first = this.find(path)?.location;
    const again = this.at(node);
    this.issues.push({
      path,
      message: `\`${key}\` is written twice in one map (${first ? `line ${first.line} and ` : ''}line ${again.line}); keep one of them`,
    });
    return true;
  }

  private reading<T>(node: unknown, read: () => T): T {
    this.open.add(node);
    try {
      return read();
    } finally {
      this.open.delete(node);
    }
  }

  /** Every value produced through an alias counts: a few bytes of nested aliases can expand to billions. */
  private countAliasValue(): void {
    if (this.aliasDepth === 0 || ++this.aliasValues <= MAX_ALIAS_VALUES) return;
    const path = this.aliasStart?.path ?? [];
    const found = this.find(path);
    const location = this.at(this.aliasStart?.node);
    const where = `${this.file}:${location.line}:${location.column}`;
    throw new ImagespecError(
      'SPEC_INVALID',
      `${where} ${formatIssuePath(found?.display ?? path)}: the YAML aliases (\`*anchor\`) in this file expand to more than ${MAX_ALIAS_VALUES.toLocaleString('en-US')} values, the limit imagespec reads (a file that grows like this is an alias bomb).`,
      {
        hint: 'Write the values out, or use fewer aliases of aliases.',
        details: {
          file: this.file,
          limit: MAX_ALIAS_VALUES,
          issues: [
            {
              path: formatIssuePath(found?.display ?? path),
              message: `YAML aliases expand to more than ${MAX_ALIAS_VALUES} values`,
              file: this.file,
              ...location,
            },
          ],
        },
      },
    );
  }
}

/** Parses and normalizes a spec file's text. Throws SPEC_SYNTAX, SPEC_INVALID or SPEC_CYCLE. */
export function parseSpecText(text: string, options: ParseSpecOptions): SpecFile {
  const file = resolve(options.file);
  checkSize(Buffer.byteLength(text), file);
  const source = text.replace(/^\uFEFF/, '');
  if (options.format === 'json') checkJsonSyntax(source, file);
  const lines = new LineCounter();
  // Keys are checked for repeats by the Reader, which knows their field path.
  const doc = parseDocument(source, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  const [syntax] = doc.errors;
  if (syntax) {
    const { line, col } = lines.linePos(syntax.pos[0]);
    const message =
      syntax.code === 'MULTIPLE_DOCS'
        ? `a second YAML document starts here; a spec file holds one (put several images under \`images:\`)`
        : /call stack/i.test(syntax.message)
          ? 'the values here nest too deeply to read (the parser ran out of stack); a spec needs a few levels'
          : firstLine(syntax.message);
    throw new ImagespecError('SPEC_SYNTAX', `${file}:${line}:${col}: ${message}`, {
      hint:
        syntax.code === 'MULTIPLE_DOCS'
          ? 'Remove the `---` line and what follows it, or move those specs under `images:`.'
          : 'Fix the YAML syntax at that position.',
      details: {
        file,
        line,
        column: col,
        issues: [{ path: '(root)', message, file, line, column: col }],
      },
    });
  }
  checkNesting(doc.contents, lines, file);
  const reader = new Reader(doc, lines, file, options.env ?? process.env);
  const root = doc.contents;
  reader.record([], [], root);
  if (!isMap(root)) {
    const message = root ? 'a spec file holds a map of fields (or `images:`)' : 'the file is empty';
    throw specInvalidError([{ path: '(root)', message, file, ...reader.at(root) }], { file });
  }
  let inputs: KeyedInput[];
  try {
    inputs = withOverrides(readInputs(reader, root), options.overrides ?? [], file);
  } catch (error) {
    // Aliases can nest what checkNesting saw as shallow (`*a` inside the map anchored `&a` wraps).
    if (error instanceof RangeError && /call stack/i.test(error.message))
      throw tooDeep(file, { line: 1, column: 1 }, []);
    throw error;
  }
  const specs = resolveSpecs(inputs, file, reader);
  return {
    file,
    specs,
    locate: (path) => reader.find(path)?.location,
  };
}

/** Refuses lists and maps nested deeper than MAX_NESTING_DEPTH, at the first node too deep; iterative. */
function checkNesting(root: unknown, lines: LineCounter, file: string): void {
  const pending: { node: unknown; depth: number; path: IssuePath }[] = [{ node: root, depth: 0, path: [] }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const { node, depth, path } = next;
    if (!isMap(node) && !isSeq(node)) continue;
    if (depth >= MAX_NESTING_DEPTH) {
      const { line, col } = lines.linePos(node.range?.[0] ?? 0);
      throw tooDeep(file, { line, column: col }, path);
    }
    node.items.forEach((item: unknown, index: number) => {
      if (isPair(item)) {
        const key = isScalar(item.key) ? String(item.key.value) : String(index);
        pending.push({ node: item.value, depth: depth + 1, path: [...path, key] });
      } else pending.push({ node: item, depth: depth + 1, path: [...path, index] });
    });
  }
}

function tooDeep(file: string, at: { line: number; column: number }, path: IssuePath): ImagespecError {
  const message = `lists and maps nest more than ${MAX_NESTING_DEPTH} levels deep here; a spec needs a few`;
  return specInvalidError([{ path: formatIssuePath(path), message, file, ...at }], { file });
}

interface KeyedInput {
  readonly key?: string;
  readonly path: IssuePath;
  readonly input: unknown;
}

function withOverrides(inputs: KeyedInput[], overrides: readonly SpecOverride[], file: string): KeyedInput[] {
  if (overrides.length === 0) return inputs;
  const single = inputs.length === 1 && inputs[0]?.key === undefined;
  const keys = single ? undefined : inputs.map((entry) => entry.key!);
  const applied = applySpecOverrides(
    inputs.map((entry) => entry.input),
    keys,
    overrides,
    file,
  );
  return inputs.map((entry, index) => ({ ...entry, input: applied[index] }));
}

function readInputs(reader: Reader, root: YAMLMap): KeyedInput[] {
  const imagesPair = root.items.find((pair) => reader.key(pair.key) === 'images');
  if (!imagesPair) return [{ path: [], input: reader.spec(root, [], []) }];
  const seen = new Set<string>();
  for (const pair of root.items) {
    const key = reader.key(pair.key);
    if (reader.repeated(seen, key, [key], pair.key as Node) || key === 'images') continue;
    reader.record([key], [key], pair.key as Node);
    reader.issues.push({
      path: [key],
      message: `unknown field \`${key}\`: a file with \`images\` holds only \`images\``,
    });
  }
  reader.record(['images'], ['images'], imagesPair.key as Node);
  const inputs = reader.follow(imagesPair.value, ['images'], (images): KeyedInput[] => {
    if (!isMap(images) || images.items.length === 0) {
      reader.issues.push({ path: ['images'], message: 'expected a map of image keys to specs' });
      return [];
    }
    const keys = new Set<string>();
    return images.items.flatMap((pair) => {
      const key = reader.key(pair.key);
      const path = ['images', key];
      if (reader.repeated(keys, key, path, pair.key as Node)) return [];
      reader.record(path, path, pair.key as Node);
      const input = reader.spec(pair.value, path, path);
      if (input && typeof input === 'object' && !Array.isArray(input) && !Object.hasOwn(input, 'name')) {
        (input as Record<string, unknown>).name = key;
      }
      return [{ key, path, input }];
    });
  });
  return (inputs as KeyedInput[] | null) ?? [];
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
  // A value the reader already refused (an alias to nothing) reaches the schema as null; one message is enough.
  const refused = new Set(reader.issues.map((issue) => JSON.stringify(issue.path)));
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
    for (const issue of result.issues) {
      const path = [...entry.path, ...issue.path];
      if (!refused.has(JSON.stringify(path))) issues.push({ path, message: issue.message });
    }
    if (result.spec) rememberSpecPlaces(result.spec, entry.path, file, reader);
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

/** Lets later errors (hashing the files) point at the line; inline base specs sit under `baseImage`. */
function rememberSpecPlaces(spec: ResolvedImageSpec, prefix: IssuePath, file: string, reader: Reader): void {
  rememberPlaces(spec, file, (path) => reader.find([...prefix, ...path])?.location);
  if (typeof spec.baseImage === 'object') rememberSpecPlaces(spec.baseImage, [...prefix, 'baseImage'], file, reader);
}

function checkJsonSyntax(text: string, file: string): void {
  try {
    JSON.parse(text);
  } catch (error) {
    const raw = (error as Error).message;
    // V8 gives the position for some errors only, and never for a trailing comma.
    const comma = trailingComma(text);
    const position = /position (\d+)/.exec(raw);
    const offset = comma ?? (position ? Number(position[1]) : undefined);
    let line: number | undefined;
    let column: number | undefined;
    if (offset !== undefined) {
      const before = text.slice(0, offset);
      line = before.split('\n').length;
      column = before.length - before.lastIndexOf('\n');
    }
    const message =
      comma !== undefined
        ? 'a comma before the closing bracket: JSON allows no trailing commas'
        : // Line:col says where; V8's "at position N" and its quoted excerpt (with line breaks) are noise.
          raw.replace(/\s*(?:in JSON )?at position \d+.*$/s, '').replace(/\s+/g, ' ');
    const where = line === undefined ? file : `${file}:${line}:${column}`;
    throw new ImagespecError('SPEC_SYNTAX', `${where}: ${message}`, {
      hint: 'Fix the JSON syntax at that position (or write the spec as YAML, which allows comments).',
      details: {
        file,
        ...(line !== undefined && { line, column }),
        issues: [{ path: '(root)', message, file, ...(line !== undefined && { line, column }) }],
      },
    });
  }
}

/** Offset of the first `,` that is followed (after whitespace) by `]` or `}`, outside strings. */
function trailingComma(text: string): number | undefined {
  const closer = /\s*[\]}]/y;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (inString) {
      if (char === '\\') index++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === ',') {
      closer.lastIndex = index + 1;
      if (closer.test(text)) return index;
    }
  }
  return undefined;
}

/** Refuses a file over the size limit before anything parses it. */
function checkSize(bytes: number, file: string): void {
  if (bytes <= MAX_SPEC_FILE_BYTES) return;
  throw new ImagespecError(
    'SPEC_INVALID',
    `Spec file ${file} is ${formatBytes(bytes)}; imagespec reads spec files up to ${formatBytes(MAX_SPEC_FILE_BYTES)} (a limit against runaway or generated files).`,
    {
      hint: 'Move long lists into a requirements file (`requirements`), or split the file.',
      details: { file, bytes, limit: MAX_SPEC_FILE_BYTES },
    },
  );
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

/**
 * Reads a spec file (YAML, or JSON by its .json extension). Throws SPEC_NOT_FOUND when it is
 * missing or no regular file: a FIFO would block the read forever and a device never ends.
 */
export async function loadSpecFile(path: string, options: LoadSpecOptions = {}): Promise<SpecFile> {
  const file = resolve(path);
  const notFound = (message: string, cause?: unknown) =>
    new ImagespecError('SPEC_NOT_FOUND', message, {
      hint: 'Pass the path of a .yaml, .yml or .json spec file (`imagespec init` writes one).',
      ...(cause !== undefined && { cause }),
      details: { file },
    });
  let text: string;
  try {
    const stats = await stat(file);
    if (stats.isDirectory()) throw notFound(`Spec file ${file} is a folder`);
    if (!stats.isFile()) throw notFound(`Spec file ${file} is not a regular file (a pipe, socket or device)`);
    checkSize(stats.size, file);
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (isImagespecError(error)) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw notFound(`Spec file ${file} does not exist`, error);
    if (code === 'ELOOP') throw notFound(`Spec file ${file} is a symbolic link that leads back to itself`, error);
    throw error;
  }
  return parseSpecText(text, { ...options, file, format: extname(file).toLowerCase() === '.json' ? 'json' : 'yaml' });
}
