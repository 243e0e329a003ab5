/** One challenge of a `WWW-Authenticate` header: `Bearer realm="...",service="...",scope="..."`. */
export interface AuthChallenge {
  /** Lowercase: `bearer`, `basic`, ... */
  readonly scheme: string;
  /** Lowercase parameter names. */
  readonly params: Readonly<Record<string, string>>;
}

const TOKEN = /[!#$%&'*+.^_`|~0-9A-Za-z-]+/y;
const SPACES = /[ \t]*/y;
/** Lenient: an unquoted value runs to the next comma or space, so `realm=http://h/token` works too. */
const BARE_VALUE = /[^,\s]+/y;

/**
 * Parses a `WWW-Authenticate` header (RFC 7235) into its challenges. Registries send one,
 * but a header may join several with commas, and quoted values may hold commas themselves
 * (`scope="repository:a:pull,push"`), so a split on "," is not enough.
 */
export function parseWwwAuthenticate(value: string | null | undefined): AuthChallenge[] {
  if (!value) return [];
  const header = value;
  const challenges: AuthChallenge[] = [];
  let pos = 0;
  const skip = (re: RegExp): string | undefined => {
    re.lastIndex = pos;
    const match = re.exec(header);
    if (!match || match[0] === '') return undefined;
    pos = re.lastIndex;
    return match[0];
  };
  const skipSeparators = () => {
    while (pos < header.length && (header[pos] === ',' || header[pos] === ' ' || header[pos] === '\t')) pos++;
  };

  while (pos < header.length) {
    skipSeparators();
    const scheme = skip(TOKEN);
    if (!scheme) break;
    const params: Record<string, string> = {};
    challenges.push({ scheme: scheme.toLowerCase(), params });
    for (;;) {
      skip(SPACES);
      const start = pos;
      const name = skip(TOKEN);
      skip(SPACES);
      if (!name || header[pos] !== '=') {
        // Not a parameter: the start of the next challenge (or a token68, which registries do not use).
        pos = start;
        break;
      }
      pos++;
      skip(SPACES);
      params[name.toLowerCase()] = header[pos] === '"' ? readQuoted() : (skip(BARE_VALUE) ?? '');
      skip(SPACES);
      if (header[pos] !== ',') break;
      pos++;
    }
    skipSeparators();
  }
  return challenges;

  function readQuoted(): string {
    let value = '';
    pos++;
    while (pos < header.length && header[pos] !== '"') {
      if (header[pos] === '\\' && pos + 1 < header.length) pos++;
      value += header[pos];
      pos++;
    }
    pos++;
    return value;
  }
}
