import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { isImagespecError } from '../errors.js';
import { FIELD_DOCS } from './field-docs.js';
import { imageSpecJsonSchema, SPEC_SCHEMA_ID } from './json-schema.js';
import { loadSpecFile } from './load.js';
import { FLYTEKIT_ALIASES, SPEC_FIELDS } from './schema.js';

const repo = fileURLToPath(new URL('../../../../', import.meta.url));
const schema = imageSpecJsonSchema();
// Strict: an unknown keyword or a malformed pattern is an error, not a silent pass (but
// `not: { required }` and `oneOf: [{ required }]` name properties defined beside them).
const validate = new Ajv({ strict: true, strictRequired: false, allowUnionTypes: true, allErrors: true }).compile(
  schema,
);

type ObjectSchema = { properties: Record<string, { description?: string; examples?: unknown[] }> };
const definitions = schema.definitions as Record<string, ObjectSchema>;

/** Every spec file the repository holds: the loader's fixtures, the schema's own and the examples. */
function specFixtures(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ya?ml|json)$/.test(entry.name) && !entry.name.startsWith('imagespec.config')) files.push(path);
    }
  };
  walk(join(repo, 'packages/core/test/fixtures/specs'));
  walk(join(repo, 'packages/core/test/fixtures/schema'));
  walk(join(repo, 'examples'));
  return files.filter((file) => !file.endsWith('imagespec.lock.json')).sort();
}

/** What the loader makes of a file: accepted, or the code of its error. */
async function loaderVerdict(file: string): Promise<string> {
  try {
    await loadSpecFile(file);
    return 'valid';
  } catch (error) {
    if (isImagespecError(error)) return error.code;
    throw error;
  }
}

/** A cycle of `baseImage: <key>` references is a relation between specs, which JSON Schema cannot express. */
const LOADER_ONLY = new Map([['packages/core/test/fixtures/specs/cycle/images.yaml', 'SPEC_CYCLE']]);

describe('imageSpecJsonSchema', () => {
  it('is draft-07 with an $id, as the YAML language server reads it', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.$id).toBe(SPEC_SCHEMA_ID);
    expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
  });

  it("is what the committed schema.json holds (core's build writes it; its $id is that file on GitHub)", () => {
    const committed = JSON.parse(readFileSync(join(repo, 'packages/core/schema.json'), 'utf8'));
    expect(committed, 'schema.json is stale: run `npx nx run @imagespec/core:build` and commit it').toEqual(schema);
  });

  it('documents every field, under its name and flytekit’s, with a description and an example', () => {
    expect(Object.keys(FIELD_DOCS).sort()).toEqual([...SPEC_FIELDS].sort());
    for (const definition of ['imageSpec', 'imagesEntry']) {
      const properties = definitions[definition]!.properties;
      expect(Object.keys(properties).sort()).toEqual([...SPEC_FIELDS, ...Object.keys(FLYTEKIT_ALIASES)].sort());
      for (const [field, property] of Object.entries(properties)) {
        expect(property.description, field).toMatch(/\w.{10,}/);
        expect(property.examples, field).toHaveLength(1);
      }
    }
  });

  it('every example is a value the field accepts', () => {
    for (const [field, doc] of Object.entries(FIELD_DOCS)) {
      const spec = { name: 'app', [field]: doc.example };
      expect(validate(spec), `${field}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });

  const fixtures = specFixtures();
  it('finds the fixtures', () => {
    expect(fixtures.length).toBeGreaterThan(30);
  });

  // The YAML is read as an editor reads it (3.10 is the number 3.1) and judged by ajv; the
  // loader's verdict on the same file is the expected answer.
  it.each(fixtures.map((file) => [relative(repo, file), file]))(
    '%s: ajv agrees with the loader',
    async (name, file) => {
      const loader = await loaderVerdict(file);
      const data = parse(readFileSync(file, 'utf8'));
      const accepted = validate(data);
      if (LOADER_ONLY.has(name)) {
        expect(loader).toBe(LOADER_ONLY.get(name));
        expect(accepted).toBe(true);
        return;
      }
      expect(loader === 'valid' ? 'valid' : 'invalid', `loader: ${loader}`).toBe(
        name.includes('/invalid/') ? 'invalid' : 'valid',
      );
      expect(accepted, JSON.stringify(validate.errors, null, 2)).toBe(loader === 'valid');
    },
  );
});
