import { Ajv } from 'ajv';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FIELD_DOCS } from './field-docs.js';
import { imageSpecJsonSchema } from './json-schema.js';
import { parseSpecText } from './load.js';
import { FLYTEKIT_ALIASES } from './schema.js';

const validate = new Ajv({ strictRequired: false, allowUnionTypes: true }).compile(imageSpecJsonSchema());
const snakeOf = Object.fromEntries(Object.entries(FLYTEKIT_ALIASES).map(([snake, field]) => [field, snake]));

/** Values of every shape a field might be given: its example, and what a hurried user writes. */
const value = (field: keyof typeof FIELD_DOCS) =>
  fc.oneof(
    fc.constant(FIELD_DOCS[field].example),
    fc.constantFrom(null, 3.1, 12, true, '', 'x', '/abs', 'a{hash}', 'requirements.txt', [], ['x'], [1], {}, { A: 1 }),
  );

/** A spec file's JSON: some fields, each under its own or flytekit's name; sometimes under `images`. */
const specFile = fc
  .record(
    {
      fields: fc.dictionary(
        fc.constantFrom(...(Object.keys(FIELD_DOCS) as (keyof typeof FIELD_DOCS)[])),
        fc.constant(0),
        {
          maxKeys: 6,
        },
      ),
      snake: fc.boolean(),
      images: fc.boolean(),
    },
    { requiredKeys: ['fields', 'snake', 'images'] },
  )
  .chain(({ fields, snake, images }) =>
    fc
      .tuple(
        ...Object.keys(fields).map((field) => value(field as keyof typeof FIELD_DOCS).map((v) => [field, v] as const)),
      )
      .map((pairs) => {
        const spec: Record<string, unknown> = { name: 'app' };
        for (const [field, v] of pairs) spec[snake ? (snakeOf[field] ?? field) : field] = v;
        return images ? { images: { app: spec } } : spec;
      }),
  );

describe('imageSpecJsonSchema against the loader', () => {
  // An editor must never mark a file the loader builds: whatever the loader accepts, the schema accepts.
  it('accepts every file the loader accepts', () => {
    let accepted = 0;
    fc.assert(
      fc.property(specFile, (file) => {
        const text = JSON.stringify(file);
        try {
          parseSpecText(text, { file: '/virtual/spec.json', format: 'json' });
        } catch {
          return;
        }
        accepted += 1;
        expect(validate(JSON.parse(text)), `${text}\n${JSON.stringify(validate.errors)}`).toBe(true);
      }),
      { numRuns: 500 },
    );
    // The property says something only if the loader accepted a fair share of the files.
    expect(accepted).toBeGreaterThan(50);
  });
});
