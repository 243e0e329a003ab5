/**
 * `@imagespec/core/schema`: the spec's JSON Schema, as `schema.json` holds it. An entry of its
 * own, not part of `@imagespec/core/spec`: loading a spec file never builds it (the CLI's
 * `tag` and `build` would otherwise set up the schema and every field's documentation).
 */

export { imageSpecJsonSchema, SPEC_SCHEMA_ID } from './spec/json-schema.js';
