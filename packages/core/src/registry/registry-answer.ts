/**
 * Turns what a registry said (or why it said nothing) into a short text in its own words,
 * so a user sees `MANIFEST_UNKNOWN: manifest unknown`, not "request failed".
 */

/** One entry of the distribution API's error body `{"errors":[{code,message,detail}]}`. */
export interface RegistryErrorEntry {
  readonly code: string;
  readonly message: string;
  readonly detail?: unknown;
}

const MAX_TEXT = 300;

/** The `errors[]` of a registry error body, or undefined when the body is not one. */
export function parseRegistryErrors(body: string): RegistryErrorEntry[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const errors = (parsed as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors)) return undefined;
  return errors
    .filter((entry): entry is Record<string, unknown> => typeof entry === 'object' && entry !== null)
    .map((entry) => ({
      code: typeof entry.code === 'string' ? entry.code : 'UNKNOWN',
      message: typeof entry.message === 'string' ? entry.message : '',
      ...(entry.detail !== undefined && entry.detail !== null && { detail: entry.detail }),
    }));
}

/**
 * The registry's words for a non-success answer: its `errors[]` when the body has them,
 * else the start of the body, else the status line.
 */
export function describeRegistryAnswer(status: number, statusText: string, body: string): string {
  const statusLine = `HTTP ${status}${statusText ? ` ${statusText}` : ''}`;
  const errors = parseRegistryErrors(body);
  if (errors && errors.length > 0) {
    return `${statusLine}: ${errors.map(describeEntry).join('; ')}`;
  }
  const text = excerpt(body);
  return text === '' ? statusLine : `${statusLine}: ${text}`;
}

/** The start of a body on one line. */
export function excerpt(body: string): string {
  const text = body.replace(/\s+/g, ' ').trim();
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}...` : text;
}

function describeEntry(entry: RegistryErrorEntry): string {
  const head = entry.message ? `${entry.code}: ${entry.message}` : entry.code;
  if (entry.detail === undefined) return head;
  const detail = typeof entry.detail === 'string' ? entry.detail : JSON.stringify(entry.detail);
  return detail.length > 0 && detail.length <= MAX_TEXT ? `${head} (${detail})` : head;
}

/** Error codes (Node's, OpenSSL's and undici's) that mean the TLS handshake or certificate failed. */
const TLS_CODES = /^(?:ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH|ERR_CERT)/;

export interface FetchFailure {
  /** Node's or undici's own words: `connect ECONNREFUSED 127.0.0.1:1`. */
  readonly reason: string;
  readonly code?: string;
  readonly tls: boolean;
}

/** What went wrong below HTTP: fetch rejects with `TypeError('fetch failed')` and the real error as `cause`. */
export function describeFetchFailure(error: unknown): FetchFailure {
  let current: unknown = error;
  // The innermost cause carries the system's words; the outer ones only say "fetch failed".
  while (typeof current === 'object' && current !== null && (current as { cause?: unknown }).cause !== undefined) {
    current = (current as { cause: unknown }).cause;
  }
  const code = typeof current === 'object' && current !== null ? (current as { code?: unknown }).code : undefined;
  const message =
    current instanceof Error || (typeof current === 'object' && current !== null && 'message' in current)
      ? String((current as { message: unknown }).message)
      : String(current);
  const codeText = typeof code === 'string' ? code : undefined;
  return {
    reason: message || codeText || 'fetch failed',
    ...(codeText !== undefined && { code: codeText }),
    tls: codeText !== undefined && TLS_CODES.test(codeText),
  };
}
