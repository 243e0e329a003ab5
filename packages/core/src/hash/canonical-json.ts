import { ImagespecError } from '../errors.js';

/**
 * Canonical JSON: object keys sorted by UTF-16 code units, no whitespace, numbers and
 * strings as JSON.stringify writes them (for the values a hash input holds, this is the
 * RFC 8785 form). Refuses what has no single JSON meaning instead of dropping it silently
 * as JSON.stringify would: undefined, functions, symbols, bigints, non-finite numbers,
 * class instances and cycles.
 */
export function canonicalJson(value: unknown): string {
  return encode(value, '$', new Set());
}

function encode(value: unknown, path: string, seen: Set<object>): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw refuse(path, `the number ${value}`);
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      if (seen.has(value)) throw refuse(path, 'a cycle');
      const proto = Object.getPrototypeOf(value);
      if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) {
        throw refuse(path, `an instance of ${(value as object).constructor?.name ?? 'a class'}`);
      }
      seen.add(value);
      const text = Array.isArray(value)
        ? `[${value.map((item, index) => encode(item, `${path}[${index}]`, seen)).join(',')}]`
        : `{${Object.keys(value)
            .sort()
            .map(
              (key) =>
                `${JSON.stringify(key)}:${encode((value as Record<string, unknown>)[key], `${path}.${key}`, seen)}`,
            )
            .join(',')}}`;
      seen.delete(value);
      return text;
    }
    default:
      throw refuse(path, value === undefined ? 'undefined' : `a ${typeof value}`);
  }
}

function refuse(path: string, what: string): ImagespecError {
  return new ImagespecError('INTERNAL', `Cannot encode ${what} at ${path} as canonical JSON.`, {
    hint: 'A hash input holds only strings, finite numbers, booleans, null, arrays and plain objects; leave absent fields out.',
    details: { path },
  });
}

/** The same value, keys sorted, indented for people (`imagespec explain`). Not used for hashing. */
export function prettySortedJson(value: unknown, indent = '  ', depth = 0): string {
  const pad = indent.repeat(depth + 1);
  const end = indent.repeat(depth);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((item) => pad + prettySortedJson(item, indent, depth + 1)).join(',\n')}\n${end}]`;
  }
  if (value && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    if (keys.length === 0) return '{}';
    const lines = keys.map(
      (key) =>
        `${pad}${JSON.stringify(key)}: ${prettySortedJson((value as Record<string, unknown>)[key], indent, depth + 1)}`,
    );
    return `{\n${lines.join(',\n')}\n${end}}`;
  }
  return canonicalJson(value);
}
