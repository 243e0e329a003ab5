import type { ResolvedImageSpec } from '../contract/spec.js';
import { ImagespecError, isImagespecError } from '../errors.js';
import { placeOf } from '../spec/places.js';

/** File errors that name a path the spec gave: they get the spec and field in front. */
const FIELD_ERRORS: ReadonlySet<string> = new Set([
  'FILE_NOT_FOUND',
  'FILE_NOT_REGULAR',
  'CONTEXT_ESCAPES',
  'IGNORE_FILE_INVALID',
]);

/** Names the spec and field in a file error: "copy[1] of image spec `app`: /x does not exist." */
export async function withField<T>(
  spec: ResolvedImageSpec,
  field: string,
  work: Promise<T>,
  codes: ReadonlySet<string> = FIELD_ERRORS,
): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (!isImagespecError(error) || !codes.has(error.code)) throw error;
    throw fieldError(spec, field, error);
  }
}

/** `error` with the spec's name, the field and where the loader saw that field (file:line:col) in front. */
export function fieldError(spec: ResolvedImageSpec, field: string, error: ImagespecError): ImagespecError {
  // `copy[1]` -> ['copy', 1]: where the loader saw that field, for a file:line:col.
  const place = placeOf(
    spec,
    field.split(/[[\].]+/).flatMap((part) => (part === '' ? [] : [/^\d+$/.test(part) ? Number(part) : part])),
  );
  const at = place ? `${place.file}:${place.line}:${place.column}` : spec.origin.file;
  const where = at ? ` (${at})` : '';
  return new ImagespecError(error.code, `${field} of image spec \`${spec.name}\`${where}: ${error.message}`, {
    ...(error.hint !== undefined && { hint: error.hint }),
    cause: error,
    details: { ...error.details, spec: spec.name, field, ...(place && { line: place.line, column: place.column }) },
  });
}
