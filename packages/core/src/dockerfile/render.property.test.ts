import { DockerfileParser, type Instruction, type Property } from 'dockerfile-ast';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectedKeywords } from '../../test/expected-instructions.js';
import { testSpec } from '../../test/test-spec.js';
import type { ResolvedImageSpec } from '../contract/spec.js';
import { isImagespecError } from '../errors.js';
import { HASH_LABEL, renderDockerfile } from './render.js';

/**
 * Whatever a spec holds, the rendered Dockerfile has exactly the instructions the spec asks
 * for (checked by an independent parser, dockerfile-ast), and ENV/LABEL/exec-form values
 * read back unchanged; or rendering refuses with SPEC_INVALID naming the field.
 */

const BASE = '127.0.0.1:5000/imagespec-test/python:3-bookworm';
const HASH = 'abcdefghijklmnopqrstuvwxyz';

const hostile = fc.constantFrom(
  '\n',
  '\r\n',
  '\\',
  '\\\n',
  ' \\',
  '$',
  '${X}',
  '"',
  "'",
  '`',
  '#',
  '<<EOF',
  '<<-X',
  ' ',
  '\t',
  '\nRUN evil',
  '\nFROM scratch',
  'ENV A=1',
  '--mount=type=bind,target=/x',
  '-',
  '[',
  '["x"]',
  ']',
  '=',
  ',',
  '*',
  'ü',
  '🐳',
  '\u2028',
  '\u0085',
  '\u0000',
  '\u007f',
);
const benign = fc.constantFrom('a', 'B', '1', '.', '_', '/', ':', '@', '+', '~', 'x y', '&&', ';', '|', '>', '(', ')');
/** Strings mixing ordinary characters with the ones shells and Dockerfiles treat specially. */
const adversarial = fc
  .array(fc.oneof({ arbitrary: benign, weight: 6 }, { arbitrary: hostile, weight: 1 }), { maxLength: 6 })
  .map((parts) => parts.join(''));
/** Only characters every field accepts somewhere: must never be rejected where allowed. */
const safeText = fc.array(benign, { minLength: 1, maxLength: 5 }).map((parts) => `a${parts.join('')}`);

const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

/**
 * Free-text fields take `text`; fields with a narrow grammar (names, paths, ids) take a
 * valid value or, when `narrow` is given, a value from it.
 */
function specArbitrary(text: fc.Arbitrary<string>, narrow?: fc.Arbitrary<string>): fc.Arbitrary<ResolvedImageSpec> {
  const or = (valid: fc.Arbitrary<string>) => (narrow ? fc.oneof(valid, narrow) : valid);
  const envName = or(fc.constantFrom('PATH', 'A_1', '_X'));
  const labelKey = or(fc.constantFrom('org.example.team', 'a/b:c'));
  return fc
    .record({
      packages: fc.array(text, { maxLength: 3 }),
      aptPackages: fc.array(text, { maxLength: 2 }),
      condaPackages: fc.array(text, { maxLength: 2 }),
      condaChannels: fc.array(text, { maxLength: 2 }),
      commands: fc.array(text, { maxLength: 3 }),
      env: fc.dictionary(envName, text, { maxKeys: 3 }),
      labels: fc.dictionary(labelKey, text, { maxKeys: 3 }),
      copy: fc.array(fc.record({ src: text.map((s) => `/project/${s}`), dest: text.map((s) => `/${s}`) }), {
        maxLength: 2,
      }),
      sourceRoot: optional(text.map((s) => `/project/${s}`)),
      entrypoint: optional(fc.array(text, { maxLength: 3 })),
      cmd: optional(fc.array(text, { maxLength: 3 })),
      workdir: optional(or(fc.constantFrom('/app', '/srv/ünï')).map((s) => (s.startsWith('/') ? s : `/${s}`))),
      user: optional(or(fc.constantFrom('1000:1000', 'app'))),
      pythonVersion: optional(or(fc.constantFrom('3.11', '3'))),
      pipIndex: optional(text),
      pipExtraArgs: fc.array(text, { maxLength: 2 }),
      requirements: optional(
        fc.record({
          path: fc.oneof(
            fc.constant('/project/requirements.txt'),
            text.map((s) => `/project/${s}`),
          ),
          kind: fc.constantFrom('requirements.txt' as const, 'uv.lock' as const, 'poetry.lock' as const),
        }),
      ),
      pipSecretMounts: fc.array(fc.record({ id: or(fc.constant('netrc')), target: or(fc.constant('/root/.netrc')) }), {
        maxLength: 1,
      }),
    })
    .map(toSpec);
}

function toSpec(fields: Record<string, unknown>): ResolvedImageSpec {
  const spec: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) spec[key] = value;
  return testSpec(spec as Partial<ResolvedImageSpec>);
}

/** A spec of ordinary values with a few fields (about one in four) taken from a hostile spec. */
const mostlyOrdinary = fc
  .tuple(
    specArbitrary(safeText),
    specArbitrary(adversarial, adversarial),
    fc.array(fc.boolean(), { minLength: 20, maxLength: 20 }),
    fc.array(fc.boolean(), { minLength: 20, maxLength: 20 }),
  )
  .map(([safe, hostile, a, b]) =>
    toSpec(
      Object.fromEntries(
        Object.keys({ ...safe, ...hostile }).map((key, index) => [
          key,
          a[index % 20] && b[index % 20]
            ? (hostile as unknown as Record<string, unknown>)[key]
            : (safe as unknown as Record<string, unknown>)[key],
        ]),
      ),
    ),
  );

/** dockerfile-ast unescapes `\"` and `\\` in ENV/LABEL values but leaves `\$` as written; Docker reads it as `$`. */
function propertyValue(property: Property): string {
  return (property.getValue() ?? '').replace(/\\\$/g, '$');
}

function properties(instruction: Instruction): Record<string, string> {
  const props = (instruction as Instruction & { getProperties(): Property[] }).getProperties();
  return Object.fromEntries(props.map((p) => [p.getName(), propertyValue(p)]));
}

function checkRendered(spec: ResolvedImageSpec, dialect: 'buildkit' | 'plain', dockerfile: string): void {
  const instructions = DockerfileParser.parse(dockerfile).getInstructions();
  const keywords = expectedKeywords(spec);
  expect(instructions.map((i) => i.getKeyword())).toEqual(keywords);
  expect(instructions[0]?.getArgumentsContent()).toBe(BASE);

  for (const instruction of instructions) {
    const flags =
      'getFlags' in instruction
        ? (instruction.getFlags as () => { getName(): string; getValue(): string | null }[])()
        : [];
    for (const flag of flags) {
      // Only the renderer's own mounts: never a flag from a value, never one in the plain dialect.
      expect(dialect).toBe('buildkit');
      expect(flag.getName()).toBe('mount');
      expect(flag.getValue()).toMatch(/^type=(cache|secret),/);
    }
  }

  const byKeyword = (keyword: string) => instructions.filter((i) => i.getKeyword() === keyword);
  const env = byKeyword('ENV')[0];
  if (env) expect(properties(env)).toEqual(spec.env);
  const label = byKeyword('LABEL')[0];
  expect(label && properties(label)).toEqual({ [HASH_LABEL]: HASH, ...spec.labels });
  const execForm = (keyword: string) => JSON.parse(byKeyword(keyword)[0]?.getRawArgumentsContent() ?? 'null');
  if (spec.entrypoint) expect(execForm('ENTRYPOINT')).toEqual(spec.entrypoint);
  if (spec.cmd) expect(execForm('CMD')).toEqual(spec.cmd);
  const copies = byKeyword('COPY').map((i) => JSON.parse(i.getRawArgumentsContent() ?? 'null') as string[]);
  const copyDests = copies.map((c) => c[1]);
  for (const entry of spec.copy) expect(copyDests).toContain(entry.dest);
  // Each command is its own RUN, as written (trimmed, as Docker's parser trims).
  const runs = byKeyword('RUN').map((i) => i.getRawArgumentsContent());
  expect(runs.slice(runs.length - spec.commands.length)).toEqual(
    spec.commands.length === 0 ? [] : spec.commands.map((c) => c.trim()),
  );
}

function renderOrRefuse(spec: ResolvedImageSpec, dialect: 'buildkit' | 'plain'): string | undefined {
  try {
    return renderDockerfile(spec, { dialect, baseImage: BASE, hash: HASH });
  } catch (error) {
    expect(isImagespecError(error)).toBe(true);
    if (!isImagespecError(error)) throw error;
    if (dialect === 'plain' && spec.pipSecretMounts.length > 0 && error.code === 'BUILDER_UNSUPPORTED')
      return undefined;
    expect(error.code).toBe('SPEC_INVALID');
    expect(error.details?.field).toEqual(expect.any(String));
    expect(error.message).toContain(String(error.details?.field));
    return undefined;
  }
}

describe('renderDockerfile with hostile specs', () => {
  for (const dialect of ['buildkit', 'plain'] as const) {
    it(`adds no instruction and keeps values intact, or refuses (${dialect})`, () => {
      let rendered = 0;
      fc.assert(
        fc.property(fc.oneof(mostlyOrdinary, specArbitrary(adversarial, adversarial)), (spec) => {
          const dockerfile = renderOrRefuse(spec, dialect);
          if (dockerfile === undefined) return;
          rendered++;
          checkRendered(spec, dialect, dockerfile);
        }),
        { numRuns: 400 },
      );
      // The property must not pass by refusing everything.
      expect(rendered).toBeGreaterThan(10);
    });

    it(`renders every spec made of ordinary characters (${dialect})`, () => {
      fc.assert(
        fc.property(
          specArbitrary(safeText).filter((spec) => dialect === 'buildkit' || spec.pipSecretMounts.length === 0),
          (spec) => {
            checkRendered(spec, dialect, renderDockerfile(spec, { dialect, baseImage: BASE, hash: HASH }));
          },
        ),
        { numRuns: 200 },
      );
    });
  }
});
