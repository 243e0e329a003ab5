/**
 * Credentials written into a URL (`https://user:token@host/simple`). Spec validation refuses
 * them, so a spec cannot put one in the image; this is the second line: every event and
 * error message passes through `redactUrlCredentials` before anyone sees it, because a
 * builder's log or a registry's answer may still echo such a URL.
 */

// scheme://userinfo@ — userinfo stops at what cannot be in it unescaped (RFC 3986 3.2.1).
// Both parts are bounded: unbounded, a 200 KB line of `a.a.a…` took 11 s (each start
// position scanned to the end for a `://`).
const URL_USERINFO = /\b([A-Za-z][A-Za-z0-9+.-]{0,31}:\/\/)([^\s/?#@'"`<>]{1,4096})@/g;

/** `http://user:PASS@host` -> `http://user:***@host`; a lone token (`https://TOKEN@host`) -> `https://***@host`. */
export function redactUrlCredentials(text: string): string {
  if (!text.includes('@')) return text;
  return text.replace(URL_USERINFO, (_, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    return `${scheme}${colon < 0 ? '***' : `${userinfo.slice(0, colon)}:***`}@`;
  });
}

/** Whether a URL carries a user name or password. */
export function hasUrlCredentials(url: string): boolean {
  return redactUrlCredentials(url) !== url;
}

/** Every string in a value (an event, a result, a hash input) passed through redactUrlCredentials. */
export function redactCredentials<T>(value: T): T {
  if (typeof value === 'string') return redactUrlCredentials(value) as T;
  if (Array.isArray(value)) return value.map(redactCredentials) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, redactCredentials(child)])) as T;
  }
  return value;
}
