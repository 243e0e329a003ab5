import { FIELD_DOCS, type FieldDoc, IMAGES_DOC } from './field-docs.js';
import { MAX_FIELD_ENTRIES } from './limits.js';
import { FLYTEKIT_ALIASES, SPEC_FIELDS } from './schema.js';

/**
 * The JSON Schema of a spec file, for editors (the YAML language server speaks draft-07) and
 * CI validators. It accepts what the loader (load.ts) accepts, read the loader's way:
 * - an unquoted YAML number is the text written (`python_version: 3.10` is "3.10"), so text
 *   fields take numbers too; only builderOptions keeps numbers as numbers;
 * - `null` means "unset" (flytekit writes unset fields as null);
 * - flytekit's snake_case names, its [src, target] secret pairs and its copy modes;
 * - one spec, or `images: { <key>: spec }` where `name` defaults to the key.
 * The grammars of package names, URLs and paths are the loader's to check: the schema is
 * looser there, never stricter (spec/json-schema.test.ts holds it to the loader's verdicts).
 * core's build writes it to schema.json (`@imagespec/core/schema.json`).
 */

export const SPEC_SCHEMA_ID = 'https://raw.githubusercontent.com/imagespec/imagespec/main/packages/core/schema.json';

type Schema = Record<string, unknown>;

const text: Schema = { type: ['string', 'number'] };
/** A `${VAR}` (spec/substitute.ts) is checked after substitution, so the editor lets it through. */
const orVariable = (pattern: string): string => `(?:${pattern})|\\$\\{`;
const textMatching = (pattern: string): Schema => ({ ...text, pattern: orVariable(pattern) });
const list = (items: Schema): Schema => ({ type: 'array', items, maxItems: MAX_FIELD_ENTRIES });
const oneOrList = (item: Schema): Schema => ({ anyOf: [item, list(item)] });
const map = (values: Schema, keyPattern: string): Schema => ({
  type: 'object',
  propertyNames: { pattern: keyPattern },
  additionalProperties: values,
  maxProperties: MAX_FIELD_ENTRIES,
});
const version: Schema = {
  anyOf: [
    { type: 'string', pattern: orVariable('^\\d+(\\.\\d+){0,3}$') },
    { type: 'number', minimum: 0 },
  ],
};
const absolutePath = textMatching('^/');

const secretMount: Schema = {
  anyOf: [
    {
      type: 'object',
      properties: {
        id: {
          type: 'string',
          pattern: '^[A-Za-z0-9_.-]+$',
          description: 'Secret id (default: the target’s file name).',
        },
        src: { ...text, description: 'A file on the build host holding the secret.' },
        env: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description: 'A variable holding the secret.' },
        target: { ...absolutePath, description: 'Where the secret appears during the pip step.' },
      },
      required: ['target'],
      oneOf: [{ required: ['src'] }, { required: ['env'] }],
      additionalProperties: false,
    },
    { type: 'array', items: [text, absolutePath], minItems: 2, maxItems: 2, description: 'flytekit: [src, target].' },
  ],
};

/** The value schema of each field, without its documentation. */
const FIELD_SCHEMAS: Record<keyof typeof FIELD_DOCS, Schema> = {
  name: textMatching('^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$'),
  registry: text,
  tagFormat: textMatching('\\{hash\\}'),
  tags: list(text),
  baseImage: { anyOf: [text, { $ref: '#/definitions/imageSpec' }] },
  platform: oneOrList(
    textMatching('^\\s*[a-z0-9]+/[a-z0-9_]+(/[a-z0-9]+)?\\s*(,\\s*[a-z0-9]+/[a-z0-9_]+(/[a-z0-9]+)?\\s*)*$'),
  ),
  pythonVersion: version,
  packages: list(text),
  requirements: textMatching('(^|[\\\\/])(requirements[^\\\\/]*\\.txt|uv\\.lock|poetry\\.lock)$'),
  condaPackages: list(text),
  condaChannels: list(text),
  aptPackages: list(text),
  commands: list(text),
  env: map({ type: ['string', 'number', 'boolean'] }, '^[A-Za-z_][A-Za-z0-9_]*$'),
  copy: list({
    anyOf: [
      text,
      {
        type: 'object',
        properties: {
          src: { ...text, description: 'Path on the build host, relative to the spec file.' },
          dest: { ...text, description: 'Path in the image; relative paths land under the workdir.' },
        },
        required: ['src'],
        additionalProperties: false,
      },
    ],
  }),
  sourceRoot: text,
  sourceCopyMode: { enum: ['all', 'none', 'ALL', 'NO_COPY', 'no_copy'] },
  entrypoint: oneOrList(text),
  cmd: oneOrList(text),
  workdir: absolutePath,
  user: textMatching('^[A-Za-z0-9_][A-Za-z0-9_.-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?$'),
  labels: map(text, '^(?!dev\\.imagespec\\.)[A-Za-z0-9]([A-Za-z0-9._/-]*[A-Za-z0-9])?$'),
  pipIndex: text,
  pipExtraIndexUrl: oneOrList(text),
  pipExtraArgs: oneOrList(text),
  pipSecretMounts: list(secretMount),
  cuda: version,
  cudnn: version,
  verify: list(text),
  builder: textMatching('^[A-Za-z0-9@][A-Za-z0-9@/._-]*$'),
  builderOptions: { type: 'object' },
  dockerfile: text,
  context: text,
  target: textMatching('^[A-Za-z0-9][A-Za-z0-9_.-]*$'),
  buildArgs: map({ type: ['string', 'number', 'boolean'] }, '^[A-Za-z_][A-Za-z0-9_]*$'),
};

/** `null` too: the loader drops a field that is null. */
function orNull(schema: Schema): Schema {
  if (Array.isArray(schema.enum)) return { ...schema, enum: [...schema.enum, null] };
  if (typeof schema.type === 'string') return { ...schema, type: [schema.type, 'null'] };
  if (Array.isArray(schema.type)) return { ...schema, type: [...schema.type, 'null'] };
  return { anyOf: [...((schema.anyOf as Schema[] | undefined) ?? [schema]), { type: 'null' }] };
}

function documented(schema: Schema, doc: FieldDoc, prefix = ''): Schema {
  return { ...schema, description: `${prefix}${doc.description}`, examples: [doc.example] };
}

const docOf = (field: string): FieldDoc => FIELD_DOCS[field as keyof typeof FIELD_DOCS];

/** A spec's properties: every field by its name and by flytekit's, each nullable but `name` where it is required. */
function specObject(nameRequired: boolean): Schema {
  const properties: Record<string, Schema> = {};
  for (const field of SPEC_FIELDS) {
    const schema = FIELD_SCHEMAS[field as keyof typeof FIELD_SCHEMAS];
    properties[field] = documented(field === 'name' && nameRequired ? schema : orNull(schema), docOf(field));
  }
  const dependencies: Record<string, Schema> = {};
  for (const [snake, field] of Object.entries(FLYTEKIT_ALIASES)) {
    properties[snake] = documented(
      orNull(FIELD_SCHEMAS[field as keyof typeof FIELD_SCHEMAS]),
      docOf(field),
      `flytekit’s name for \`${field}\`. `,
    );
    dependencies[snake] = { not: { required: [field] } };
  }
  return {
    type: 'object',
    properties,
    ...(nameRequired && { required: ['name'] }),
    additionalProperties: false,
    dependencies,
  };
}

/** Pure: the draft-07 JSON Schema of a spec file (what schema.json holds). */
export function imageSpecJsonSchema(): Schema {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: SPEC_SCHEMA_ID,
    title: 'imagespec spec file',
    description:
      'One image spec, or several under `images`. flytekit’s ImageSpec YAML (snake_case names) is accepted as it is.',
    anyOf: [{ $ref: '#/definitions/imageSpec' }, { $ref: '#/definitions/imagesFile' }],
    definitions: {
      imageSpec: { description: 'One image spec.', ...specObject(true) },
      imagesEntry: { description: 'One image of an `images` file; `name` defaults to its key.', ...specObject(false) },
      imagesFile: {
        type: 'object',
        properties: {
          images: documented(
            { type: 'object', minProperties: 1, additionalProperties: { $ref: '#/definitions/imagesEntry' } },
            IMAGES_DOC,
          ),
        },
        required: ['images'],
        additionalProperties: false,
      },
    },
  };
}
