import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { MAX_ALIAS_VALUES } from '../src/spec/limits.js';
import { FLYTEKIT_ALIASES, SPEC_FIELDS } from '../src/spec/schema.js';

/**
 * Hostile and invalid spec FILES (text, as a user or an attacker would write them), for the
 * reliability suite of issue 11: wrong types, unknown fields, YAML alias bombs and broken
 * aliases, duplicate keys, multi-document YAML, JSON with trailing commas, cyclic base
 * specs, paths escaping the project, huge strings, NUL bytes, and line separators
 * (\r, U+0085, U+2028, U+2029) in every field that reaches the Dockerfile.
 *
 * Each file says what a correct loader must do with it: `mustRefuse` (exit 2), and the
 * field path the error must name when one is known (`field`, as the file wrote it).
 */

export interface HostileFile {
  readonly kind: string;
  readonly format: 'yaml' | 'json';
  readonly text: string;
  /** The loader must refuse the file (an ImagespecError of the input category). */
  readonly mustRefuse: boolean;
  /** The refusal names this field path (or one under it), e.g. `packages[0]`, `env`. */
  readonly field?: string;
  /** The refusal's message says this. */
  readonly message?: RegExp;
}

/** The project every file is loaded from: files a valid spec copies, and a link that leads out of it. */
export async function createHostileProject(): Promise<{ dir: string; dispose(): Promise<void> }> {
  const root = await mkdtemp(join(tmpdir(), 'imagespec-hostile-'));
  const dir = join(root, 'project');
  await mkdir(join(dir, 'src'), { recursive: true });
  await writeFile(join(root, 'outside.txt'), 'not part of the project\n');
  await writeFile(join(dir, 'app.txt'), 'app\n');
  await writeFile(join(dir, 'src/main.py'), 'print("hi")\n');
  await writeFile(join(dir, 'requirements.txt'), 'numpy==2.1.0\n');
  await symlink('../outside.txt', join(dir, 'link-out.txt'));
  return { dir, dispose: () => rm(root, { recursive: true, force: true }) };
}

type Spec = Record<string, unknown>;

/** A spec that uses every field that reaches the Dockerfile; valid as it is. */
export function validSpec(): Spec {
  return {
    name: 'team/app',
    registry: '127.0.0.1:5000',
    tagFormat: 'v1-{hash}',
    baseImage: '127.0.0.1:5000/imagespec-test/python:3-bookworm',
    platform: 'linux/amd64',
    pythonVersion: '3.11',
    packages: ['numpy==2.1.0'],
    requirements: 'requirements.txt',
    condaPackages: ['zlib=1.3'],
    condaChannels: ['conda-forge'],
    aptPackages: ['curl'],
    commands: ['echo built > /built.txt'],
    env: { MODE: 'prod' },
    copy: ['app.txt', { src: 'app.txt', dest: '/opt/app.txt' }],
    sourceRoot: 'src',
    entrypoint: ['python', '-m', 'app'],
    cmd: ['--serve'],
    workdir: '/srv/app',
    user: 'app',
    labels: { 'org.example.team': 'ml' },
    pipIndex: 'http://127.0.0.1:8080/simple/',
    pipExtraIndexUrl: ['http://127.0.0.1:8081/simple/'],
    pipExtraArgs: ['--no-cache-dir'],
    cuda: '12.4',
    verify: ['python -c "import numpy"'],
  };
}

/** Where a string is put into the spec, by path; a key path renames the map's key. */
interface Slot {
  readonly path: readonly (string | number)[];
  readonly key?: boolean;
}

/** Every place a string from the file reaches the Dockerfile, the hash or the image name. */
export const SLOTS: readonly Slot[] = [
  { path: ['name'] },
  { path: ['registry'] },
  { path: ['tagFormat'] },
  { path: ['baseImage'] },
  { path: ['platform'] },
  { path: ['pythonVersion'] },
  { path: ['packages', 0] },
  { path: ['requirements'] },
  { path: ['condaPackages', 0] },
  { path: ['condaChannels', 0] },
  { path: ['aptPackages', 0] },
  { path: ['commands', 0] },
  { path: ['env', 'MODE'] },
  { path: ['env', 'MODE'], key: true },
  { path: ['copy', 0] },
  { path: ['copy', 1, 'src'] },
  { path: ['copy', 1, 'dest'] },
  { path: ['sourceRoot'] },
  { path: ['entrypoint', 0] },
  { path: ['cmd', 0] },
  { path: ['workdir'] },
  { path: ['user'] },
  { path: ['labels', 'org.example.team'] },
  { path: ['labels', 'org.example.team'], key: true },
  { path: ['pipIndex'] },
  { path: ['pipExtraIndexUrl', 0] },
  { path: ['pipExtraArgs', 0] },
  { path: ['pipSecretMounts', 0, 'target'] },
  { path: ['cuda'] },
  { path: ['verify', 0] },
];

/** What ends or splits a line for some reader of a Dockerfile or a YAML file. */
export const LINE_BREAKS = ['\n', '\r', '\u0085', '\u2028', '\u2029', '\u0000'] as const;

const FRAGMENTS = [
  ...LINE_BREAKS,
  '\r\n',
  '\nRUN evil',
  '\nFROM scratch',
  '\\',
  ' \\',
  '$',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${X} is the hostile input
  '${X}',
  '$(id)',
  '`id`',
  '"',
  "'",
  '<<EOF',
  '--mount=type=bind,target=/x',
  ' ',
  '\t',
  '\u00a0',
  '\u200b',
  '\ufeff',
  'ü',
  '🐳',
  '[',
  '*',
  '#',
  '=',
  ',',
  ';',
  '&&',
  'user:pass@',
  '..',
  '/',
];

function get(spec: Spec, path: readonly (string | number)[]): unknown {
  return path.reduce<unknown>((value, key) => (value as Record<string | number, unknown>)?.[key], spec);
}

function set(spec: Spec, slot: Slot, value: string): void {
  const parentPath = slot.path.slice(0, -1);
  const last = slot.path[slot.path.length - 1] as string | number;
  if (slot.path[0] === 'pipSecretMounts') spec.pipSecretMounts = [{ src: 'app.txt', target: '/root/.netrc' }];
  const parent = get(spec, parentPath) as Record<string | number, unknown>;
  if (slot.key) {
    const old = parent[last];
    delete parent[last];
    parent[value] = old;
  } else {
    parent[last] = value;
  }
}

/** The field path as an issue names it: `packages[0]`, `env.MODE`, `copy[1].dest`; a key slot names its map. */
export function slotField(slot: Slot): string {
  const path = slot.key ? slot.path.slice(0, -1) : slot.path;
  return path
    .map((segment, index) =>
      typeof segment === 'number'
        ? `[${segment}]`
        : /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(segment)
          ? `${index === 0 ? '' : '.'}${segment}`
          : `[${JSON.stringify(segment)}]`,
    )
    .join('');
}

function insert(base: string, fragment: string, where: 'start' | 'middle' | 'end'): string {
  if (where === 'start') return fragment + base;
  if (where === 'end') return base + fragment;
  const middle = Math.floor(base.length / 2);
  return base.slice(0, middle) + fragment + base.slice(middle);
}

function serialize(spec: unknown, format: 'yaml' | 'json'): string {
  return format === 'json' ? JSON.stringify(spec, null, 2) : stringify(spec);
}

/** A hostile string in one slot of an otherwise valid spec; refused or accepted, never a crash. */
export function valueFile(slot: Slot, fragment: string, where: 'start' | 'middle' | 'end', format: 'yaml' | 'json') {
  const spec = validSpec();
  const current = slot.key ? String(slot.path[slot.path.length - 1]) : get(spec, slot.path);
  set(spec, slot, insert(typeof current === 'string' ? current : '/root/.netrc', fragment, where));
  return { kind: 'hostile value', format, text: serialize(spec, format), mustRefuse: false, field: slotField(slot) };
}

/** Every line break in every slot (the systematic part of the suite). */
export function lineBreakFiles(): HostileFile[] {
  const files: HostileFile[] = [];
  for (const slot of SLOTS)
    for (const [index, fragment] of LINE_BREAKS.entries())
      files.push(valueFile(slot, fragment, index % 2 === 0 ? 'middle' : 'end', index % 3 === 0 ? 'json' : 'yaml'));
  return files;
}

const format = fc.constantFrom('yaml' as const, 'json' as const);
const slot = fc.constantFrom(...SLOTS);

const hostileValue: fc.Arbitrary<HostileFile> = fc
  .tuple(
    slot,
    fc.oneof(
      { arbitrary: fc.constantFrom(...FRAGMENTS), weight: 8 },
      { arbitrary: fc.integer({ min: 256, max: 120_000 }).map((length) => 'x'.repeat(length)), weight: 1 },
      { arbitrary: fc.string({ unit: 'binary', maxLength: 8 }), weight: 2 },
    ),
    fc.constantFrom('start' as const, 'middle' as const, 'end' as const),
    format,
  )
  .map(([where, fragment, position, fmt]) => valueFile(where, fragment, position, fmt));

/** Values of the wrong shape for each kind of field. */
const WRONG_TYPES: readonly [string, readonly unknown[]][] = [
  ['name', [true, ['app'], { a: 'b' }]],
  ['registry', [false, ['x'], { host: 'x' }]],
  ['workdir', [true, ['/app'], { path: '/app' }]],
  ['pythonVersion', [true, ['3.11'], { v: 3 }]],
  ['packages', ['numpy', true, { numpy: '1' }, [true], [{ a: 1 }], [['x']]]],
  ['aptPackages', ['curl', [false], [{ b: 2 }]]],
  ['commands', ['echo', [true], [['echo']]]],
  ['verify', ['true', [{ run: 'x' }]]],
  ['copy', ['app.txt', [true], [{ a: 1 }], [{ src: ['x'] }], [{ src: 'app.txt', dest: { x: 1 } }]]],
  ['env', ['A=1', ['A=1'], true, { A: { b: 1 } }, { A: [1] }, { A: null }]],
  ['labels', ['x', ['x'], { a: true }, { a: { b: 1 } }]],
  ['entrypoint', [true, { a: 1 }, [true], [['sh']]]],
  ['platform', [true, { os: 'linux' }, [1.5], [['linux/amd64']]]],
  ['pipSecretMounts', ['x', [{ src: 'a' }], [{ target: 1 }], [['a', 'b', 'c']]]],
  ['baseImage', [true, ['busybox'], { name: 'base', bogus: 1 }]],
  ['sourceCopyMode', ['some', true, ['all']]],
  ['builderOptions', ['x', ['x'], true]],
];

const wrongType: fc.Arbitrary<HostileFile> = fc
  .tuple(fc.constantFrom(...WRONG_TYPES), fc.nat(), format)
  .map(([[field, values], pick, fmt]) => {
    const spec = validSpec();
    spec[field] = values[pick % values.length];
    return { kind: 'wrong type', format: fmt, text: serialize(spec, fmt), mustRefuse: true, field };
  });

const UNKNOWN_KEYS = [
  'constructor',
  'toString',
  '__proto__',
  'hasOwnProperty',
  'valueOf',
  'prototype',
  '__defineGetter__',
  'pakages',
  'Packages',
  'base-image',
  '',
];

/** Names the loader knows somewhere (fields, flytekit names, copy and mount keys). */
const KNOWN_KEYS = new Set([
  ...SPEC_FIELDS,
  ...Object.keys(FLYTEKIT_ALIASES),
  'images',
  'src',
  'dest',
  'id',
  'env',
  'target',
]);

const unknownField: fc.Arbitrary<HostileFile> = fc
  .tuple(
    fc.oneof(fc.constantFrom(...UNKNOWN_KEYS), fc.stringMatching(/^[a-z][a-zA-Z]{0,12}$/)),
    fc.constantFrom('top', 'copy', 'secret', 'base'),
    format,
  )
  .filter(([key]) => !KNOWN_KEYS.has(key))
  .map(([key, where, fmt]): HostileFile => {
    const spec = validSpec();
    // Defined, not assigned: an assignment to `__proto__` would set the prototype.
    const add = (target: Spec) => Object.defineProperty(target, key, { value: 1, enumerable: true, writable: true });
    let field = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? key : `[${JSON.stringify(key)}]`;
    if (where === 'copy') {
      const entry = { src: 'app.txt' };
      add(entry);
      spec.copy = [entry];
      field = 'copy[0]';
    } else if (where === 'secret') {
      const mount = { src: 'app.txt', target: '/root/.netrc' };
      add(mount);
      spec.pipSecretMounts = [mount];
      field = 'pipSecretMounts[0]';
    } else if (where === 'base') {
      const base: Spec = { name: 'base', baseImage: 'busybox:1.36' };
      add(base);
      spec.baseImage = base;
      field = 'baseImage';
    } else {
      add(spec);
    }
    return { kind: 'unknown field', format: fmt, text: serialize(spec, fmt), mustRefuse: true, field };
  });

/** `width` aliases per level, `depth` levels: expands to about width^depth values. */
const aliasBomb: fc.Arbitrary<HostileFile> = fc
  .tuple(fc.integer({ min: 2, max: 10 }), fc.integer({ min: 2, max: 12 }), fc.constantFrom('packages', 'env', 'x'))
  .map(([width, depth, field]) => {
    const lines = [`l0: &l0 [${Array(width).fill('"lol"').join(', ')}]`];
    for (let level = 1; level < depth; level++)
      lines.push(
        `l${level}: &l${level} [${Array(width)
          .fill(`*l${level - 1}`)
          .join(', ')}]`,
      );
    const use = field === 'env' ? `env: {A: *l${depth - 1}}` : `${field}: *l${depth - 1}`;
    const text = `name: app\nbaseImage: busybox:1.36\n${lines.join('\n')}\n${use}\n`;
    // Values read through aliases: level k holds `width` aliases of level k-1 (read as unknown
    // top-level fields too), and the field reads the last level once more.
    const size = [1 + width];
    for (let level = 1; level < depth; level++) size.push(1 + width * (size[level - 1] as number));
    let expanded = size[depth - 1] as number;
    for (let level = 1; level < depth; level++) expanded += width * (size[level - 1] as number);
    return expanded > MAX_ALIAS_VALUES
      ? {
          kind: 'alias bomb',
          format: 'yaml' as const,
          text,
          mustRefuse: true,
          message: /YAML aliases .* expand to more than/,
        }
      : { kind: 'small alias tree', format: 'yaml' as const, text, mustRefuse: true, field: 'l0' };
  });

const brokenAlias: fc.Arbitrary<HostileFile> = fc
  .tuple(fc.constantFrom('packages', 'verify', 'env', 'commands', 'baseImage', 'workdir'), fc.boolean())
  .map(([field, self]) => {
    const text = self
      ? `name: app\nbaseImage: busybox:1.36\n${field}: &loop\n  - *loop\n`
      : `name: app\nbaseImage: busybox:1.36\n${field}: *missing_${field}\n`;
    return { kind: self ? 'self alias' : 'undefined alias', format: 'yaml' as const, text, mustRefuse: true, field };
  });

const duplicateKey: fc.Arbitrary<HostileFile> = fc
  .tuple(fc.constantFrom('name', 'packages', 'env.MODE', 'images.app', 'copy[1].dest'), format)
  .map(([where, fmt]) => {
    let text: string;
    if (where === 'images.app') {
      text =
        fmt === 'json'
          ? '{"images": {"app": {"baseImage": "busybox:1.36"}, "app": {"baseImage": "busybox:1"}}}'
          : 'images:\n  app: {baseImage: busybox:1.36}\n  app: {baseImage: busybox:1}\n';
    } else {
      const body = serialize(validSpec(), 'json');
      const duplicated =
        where === 'name'
          ? body.replace('"name": "team/app",', '"name": "team/app",\n  "name": "other",')
          : where === 'packages'
            ? body.replace('"packages": [', '"packages": ["x"],\n  "packages": [')
            : where === 'env.MODE'
              ? body.replace('"MODE": "prod"', '"MODE": "prod", "MODE": "dev"')
              : body.replace('"dest": "/opt/app.txt"', '"dest": "/opt/app.txt", "dest": "/x"');
      // JSON is YAML: the same text serves both formats.
      text = duplicated;
    }
    return { kind: 'duplicate key', format: fmt, text, mustRefuse: true, field: where };
  });

const multiDocument: fc.Arbitrary<HostileFile> = fc
  .constantFrom('---\nname: other\n', '--- \n', '---\n...\n---\n', '--- !!map\n{}\n')
  .map((tail) => ({
    kind: 'multi-document',
    format: 'yaml' as const,
    text: `${serialize(validSpec(), 'yaml')}${tail}`,
    mustRefuse: true,
    message: /second YAML document/,
  }));

/** Offsets of `}` and `]` outside JSON strings. */
function closers(text: string): number[] {
  const found: number[] = [];
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (inString) {
      if (char === '\\') index++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '}' || char === ']') found.push(index);
  }
  return found;
}

const trailingComma: fc.Arbitrary<HostileFile> = fc.nat().map((pick) => {
  const body = serialize(validSpec(), 'json');
  const offsets = closers(body).filter((offset) => !/[[{]\s*$/.test(body.slice(0, offset)));
  const at = offsets[pick % offsets.length] as number;
  const before = body.slice(0, at).replace(/\s*$/, '');
  return {
    kind: 'JSON trailing comma',
    format: 'json' as const,
    text: `${before},${body.slice(before.length)}`,
    mustRefuse: true,
    message: /JSON allows no trailing commas/,
  };
});

const cycle: fc.Arbitrary<HostileFile> = fc
  .tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 3 }), format)
  .map(([length, extra, fmt]) => {
    const images: Record<string, Spec> = {};
    for (let index = 0; index < extra; index++) images[`ok${index}`] = { baseImage: 'busybox:1.36' };
    for (let index = 0; index < length; index++) images[`c${index}`] = { baseImage: `c${(index + 1) % length}` };
    return {
      kind: 'cyclic bases',
      format: fmt,
      text: serialize({ images }, fmt),
      mustRefuse: true,
      message: /build on each other in a cycle/,
    };
  });

const escapingPath: fc.Arbitrary<HostileFile> = fc
  .tuple(fc.constantFrom('../outside.txt', '../../etc/passwd', 'src/../../outside.txt', './..', 'link-out.txt'), format)
  .map(([path, fmt]) => {
    const spec = validSpec();
    spec.copy = [path];
    return {
      kind: 'path escaping the project',
      format: fmt,
      text: serialize(spec, fmt),
      mustRefuse: true,
      field: 'copy[0]',
    };
  });

/** Lists or maps nested `depth` deep: read, refused as the wrong type, or too deep for the parser. */
const deepNesting: fc.Arbitrary<HostileFile> = fc
  .tuple(
    fc.integer({ min: 2, max: 5000 }),
    fc.constantFrom('packages', 'env', 'labels', 'builderOptions'),
    fc.boolean(),
  )
  .map(([depth, field, maps]) => {
    const [open, close] = maps ? ['{a: ', '}'] : ['[', ']'];
    const value = `${open.repeat(depth)}1${close.repeat(depth)}`;
    return {
      kind: 'deep nesting',
      format: 'yaml' as const,
      text: `name: app\nbaseImage: busybox:1.36\n${field}: ${value}\n`,
      mustRefuse: field !== 'builderOptions',
    };
  });

/** The generated part of the suite: every kind, mixed. */
export const hostileSpecFile: fc.Arbitrary<HostileFile> = fc.oneof(
  { arbitrary: hostileValue, weight: 6 },
  { arbitrary: wrongType, weight: 2 },
  { arbitrary: unknownField, weight: 2 },
  { arbitrary: aliasBomb, weight: 1 },
  { arbitrary: brokenAlias, weight: 1 },
  { arbitrary: duplicateKey, weight: 1 },
  { arbitrary: multiDocument, weight: 1 },
  { arbitrary: trailingComma, weight: 1 },
  { arbitrary: cycle, weight: 1 },
  { arbitrary: escapingPath, weight: 1 },
  { arbitrary: deepNesting, weight: 1 },
);
