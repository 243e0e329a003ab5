import type { BuilderDefinition } from '../contract/builder.js';
import type { ResolvedImageSpec } from '../contract/spec.js';
import { ImagespecError } from '../errors.js';
import { formatIssuePath } from '../spec/issues.js';

/** Where a field path sits in a spec's file, as SpecFile.locate answers it. */
export type LocateField = (path: readonly (string | number)[]) => { line: number; column: number } | undefined;

/**
 * A spec's `builderOptions` over the config's options for that builder, validated with the
 * builder's schema. Plain objects merge key by key (so `resources: { limits }` keeps the
 * config's `requests`); anything else, arrays included, is replaced. Unknown keys are an
 * error even when the schema would strip them: an option that is silently dropped is an
 * image built other than the spec says.
 */
export function resolveSpecBuilderOptions(
  definition: BuilderDefinition<unknown>,
  configOptions: unknown,
  spec: ResolvedImageSpec,
  where: { readonly source: string; readonly locate?: LocateField | undefined },
): unknown {
  const specOptions = spec.builderOptions;
  const merged = mergeOptions(configOptions, specOptions);
  const problems: { path: readonly PropertyKey[]; message: string }[] = [];
  let data: unknown = merged;
  if (!definition.optionsSchema) {
    problems.push({ path: [], message: `builder "${definition.name}" takes no options` });
  } else {
    const parsed = definition.optionsSchema.safeParse(merged);
    if (parsed.success) {
      data = parsed.data;
      if (isPlainObject(data)) {
        for (const key of Object.keys(specOptions)) {
          if (!Object.hasOwn(data, key)) problems.push({ path: [key], message: 'not an option of this builder' });
        }
      }
    } else {
      problems.push(...parsed.error.issues);
    }
  }
  if (problems.length === 0) return data;
  const prefix = spec.origin.key === undefined ? ['builderOptions'] : ['images', spec.origin.key, 'builderOptions'];
  // The first problem's own line when the file holds it there (an option from the config has none).
  const first = problems.find((problem) => problem.path.length > 0)?.path ?? [];
  const position =
    where.locate?.([...prefix, ...first.filter((key) => typeof key !== 'symbol')]) ?? where.locate?.(prefix);
  const texts = problems.map((problem) =>
    problem.path.length === 0 ? problem.message : `${formatIssuePath(problem.path)}: ${problem.message}`,
  );
  const file = spec.origin.file;
  const place = file ? `${file}${position ? `:${position.line}:${position.column}` : ''}: ` : '';
  throw new ImagespecError(
    'SPEC_INVALID',
    `${place}builderOptions of "${spec.name}" are not valid for builder "${definition.name}" (${where.source}): ${texts.join('; ')}.`,
    {
      hint: `Fix builderOptions in the spec (they are merged over the config's options for "${definition.name}"); the builder's README lists its options.`,
      details: { builder: definition.name, problems: texts, ...(file && { file }), ...(position && { ...position }) },
    },
  );
}

export function mergeOptions(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) out[key] = mergeOptions(base[key], value);
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
