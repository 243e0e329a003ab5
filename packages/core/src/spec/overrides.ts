import { ImagespecError } from '../errors.js';
import { FLYTEKIT_ALIASES, SPEC_FIELDS } from './schema.js';

/**
 * `--set NAME=VALUE`: one spec field from the command line. NAME is a dotted path from the
 * file's root, as the file writes it: `registry`, `env.FOO`, or `images.<key>.<field>` in a
 * file with `images`. The value is always a string, so `--set` suits text fields and map
 * entries (`env`, `labels`); lists stay in the file. Overrides apply before validation, so
 * the tag hashes them.
 */

export interface SpecOverride {
  readonly path: readonly string[];
  readonly value: string;
  /** As written on the command line, for messages. */
  readonly flag: string;
}

const KNOWN_FIELDS = new Set([...SPEC_FIELDS, ...Object.keys(FLYTEKIT_ALIASES)]);

/** Parses one `NAME=VALUE`. Throws FLAG_INVALID when there is no `=` or the name is malformed. */
export function parseSetFlag(flag: string): SpecOverride {
  const equals = flag.indexOf('=');
  const name = equals < 0 ? '' : flag.slice(0, equals);
  const path = name.split('.');
  if (equals < 0 || path.some((segment) => segment.length === 0)) {
    throw new ImagespecError('FLAG_INVALID', `--set ${flag}: expected NAME=VALUE with a dotted field name.`, {
      hint: 'Write e.g. `--set registry=localhost:5000`, `--set env.FOO=bar` or `--set images.app.pythonVersion=3.12`.',
    });
  }
  return { path, value: flag.slice(equals + 1), flag };
}

/**
 * Applies overrides to a file's raw specs (`keys` undefined for a one-spec file, else the
 * `images` keys in order) and returns new inputs. Throws FLAG_INVALID naming an unknown field or image.
 */
export function applySpecOverrides(
  inputs: readonly unknown[],
  keys: readonly string[] | undefined,
  overrides: readonly SpecOverride[],
  file: string,
): unknown[] {
  const out = inputs.map((input) => ({ ...(isRecord(input) ? input : {}) }));
  for (const override of overrides) {
    const [first, second, ...rest] = override.path;
    let index = 0;
    let fieldPath = override.path;
    if (keys) {
      index = first === 'images' && second !== undefined ? keys.indexOf(second) : -1;
      if (index < 0) {
        throw refusal(
          override,
          first === 'images'
            ? `${file} has no image \`${second ?? ''}\`; it has: ${keys.join(', ')}`
            : `${file} holds its specs under \`images\`; name the image: \`images.<key>.${override.path.join('.')}\``,
        );
      }
      fieldPath = rest;
    }
    const [field] = fieldPath;
    if (field === undefined || !KNOWN_FIELDS.has(field)) {
      throw refusal(override, `\`${field ?? ''}\` is no spec field (\`imagespec schema\` lists them)`);
    }
    const renamed = Object.hasOwn(FLYTEKIT_ALIASES, field) ? FLYTEKIT_ALIASES[field]! : field;
    out[index] = setPath(out[index]!, [renamed, ...fieldPath.slice(1)], override);
  }
  return out;
}

function setPath(
  target: Record<string, unknown>,
  path: readonly string[],
  override: SpecOverride,
): Record<string, unknown> {
  const [head, ...rest] = path as [string, ...string[]];
  if (rest.length === 0) return { ...target, [head]: override.value };
  const inner = Object.hasOwn(target, head) ? target[head] : {};
  if (!isRecord(inner)) throw refusal(override, `\`${head}\` is not a map, so it has no \`${rest[0]}\``);
  return { ...target, [head]: setPath(inner, rest, override) };
}

function refusal(override: SpecOverride, problem: string): ImagespecError {
  return new ImagespecError('FLAG_INVALID', `--set ${override.flag}: ${problem}.`, {
    hint: 'Name a field by its dotted path from the file’s root: `registry`, `env.FOO`, or `images.<key>.<field>` in a file with `images`.',
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
