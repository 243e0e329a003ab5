import type * as z from 'zod';
import { validateConfigValue } from './grammar.js';
import { shortened } from './limits.js';
import { redactUrlCredentials } from './redact.js';
import { FLYTEKIT_ALIASES, SPEC_FIELDS } from './schema.js';

/**
 * zod's issues turned into one readable problem each, with the path the user wrote:
 * union noise removed, expected-vs-got wording, did-you-mean on unknown keys.
 */

export type IssuePath = readonly (string | number)[];

/** One problem of a spec, before it is placed in a file. */
export interface RawIssue {
  readonly path: IssuePath;
  readonly message: string;
}

/**
 * `images.app.packages[2]`, `labels["org.opencontainers.image.source"]`; `(root)` for the
 * spec itself. Config issues use it too (zod paths may hold symbols).
 */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const raw of path) {
    // A key can be as long as the file: the path stays readable.
    const segment = typeof raw === 'string' ? shortened(raw) : raw;
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(segment))
      text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(String(segment))}]`;
  }
  return text === '' ? '(root)' : text;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The known name closest to `key`, if it is close enough to be a likely typo. */
export function suggestName(key: string, candidates: readonly string[]): string | undefined {
  const squash = (name: string) => name.replace(/[-_]/g, '').toLowerCase();
  const same = candidates.find((candidate) => squash(candidate) === squash(key));
  if (same) return same;
  let best: { name: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (!best || distance < best.distance) best = { name: candidate, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(key.length / 3)) ? best.name : undefined;
}

const SPEC_KEY_CANDIDATES = [...SPEC_FIELDS, ...Object.keys(FLYTEKIT_ALIASES)];
const OBJECT_KEYS: Record<string, readonly string[]> = {
  copy: ['src', 'dest'],
  pipSecretMounts: ['id', 'src', 'env', 'target'],
};

function keyCandidates(objectPath: IssuePath): readonly string[] {
  const parent = objectPath[objectPath.length - 2];
  return typeof parent === 'string' && OBJECT_KEYS[parent] ? OBJECT_KEYS[parent] : SPEC_KEY_CANDIDATES;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string')
    return value.length <= 40 && validateConfigValue(value, '') === undefined
      ? `\`${redactUrlCredentials(value)}\``
      : 'a string';
  if (typeof value === 'number' || typeof value === 'boolean')
    return `${typeof value === 'number' ? 'the number' : ''} ${value}`.trim();
  return typeof value;
}

const EXPECTED: Record<string, string> = {
  string: 'a string',
  array: 'a list',
  object: 'a map',
  record: 'a map',
  number: 'a number',
  boolean: 'true or false',
  tuple: 'a [src, target] pair',
};

/** Root-level type mismatches of every branch: the value was none of the shapes. */
function unionTypeMismatch(errors: readonly (readonly z.core.$ZodIssue[])[]): string[] | undefined {
  const expected: string[] = [];
  for (const branch of errors) {
    const [only] = branch;
    if (branch.length !== 1 || only?.code !== 'invalid_type' || only.path.length > 0) return undefined;
    expected.push(EXPECTED[only.expected] ?? only.expected);
  }
  return expected;
}

/** zod issues -> one issue per problem, with readable messages, union noise removed, did-you-mean on unknown keys. */
export function issuesFromZod(issues: readonly z.core.$ZodIssue[], input: unknown, base: IssuePath = []): RawIssue[] {
  const out: RawIssue[] = [];
  const valueAt = (path: IssuePath) =>
    path.reduce<unknown>(
      (value, key) =>
        value && typeof value === 'object' ? (value as Record<string, unknown>)[key as string] : undefined,
      input,
    );
  for (const issue of issues) {
    const path = [...base, ...(issue.path as (string | number)[])];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const suggestion = suggestName(key, keyCandidates([...path, key]));
        out.push({
          path: [...path, key],
          message: `unknown field \`${shortened(key)}\`${suggestion ? `; did you mean \`${suggestion}\`?` : ''}`,
        });
      }
    } else if (issue.code === 'invalid_union') {
      const mismatch = unionTypeMismatch(issue.errors);
      if (mismatch) {
        out.push({
          path,
          message: `expected ${[...new Set(mismatch)].join(' or ')}, got ${describeValue(valueAt(path))}`,
        });
        continue;
      }
      // The branch whose shape matched carries the real problems.
      const branch = issue.errors.find((errors) => !unionTypeMismatch([errors])) ?? issue.errors[0] ?? [];
      out.push(...issuesFromZod(branch, input, path));
    } else if (issue.code === 'invalid_type') {
      const value = valueAt(path);
      out.push({
        path,
        message:
          value === undefined
            ? 'is required'
            : `expected ${EXPECTED[issue.expected] ?? issue.expected}, got ${describeValue(value)}`,
      });
    } else if (issue.code === 'invalid_value') {
      out.push({
        path,
        message: `expected one of ${issue.values.map((value) => `\`${String(value)}\``).join(', ')}, got ${describeValue(valueAt(path))}`,
      });
    } else {
      out.push({ path, message: issue.message });
    }
  }
  return out;
}
