/**
 * Connection strings carry passwords, and error messages, evidence and logs all end up in CI
 * output and PR comments. Everything the SQL source emits passes through `redact` first.
 */

import { parsePgUrl } from './url.js';

const MASK = '***';

// The userinfo password of any URL: `scheme://user:secret@host`. Greedy up to the last `@`
// of the token, because people paste passwords containing a raw `@` or `/`.
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^\s:/@"'<>]*):[^\s"'<>]*@/gi;

// `password=secret` in libpq key/value strings, URL query strings (`?password=`) and env dumps
// (`PGPASSWORD=`); the value may be quoted.
const KEY_VALUE_PASSWORD = /(password\s*[=:]\s*)('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s&;,'"]+)/gi;

// Short secrets are only masked by the patterns above: replacing every "ab" in a message
// would garble it while protecting nothing a pattern misses.
const MIN_LITERAL_SECRET = 4;

/**
 * Masks passwords in postgres (and any other) URLs and in `password=` key/values; also masks
 * every literal occurrence of the given secrets, for the paths where a driver might echo a
 * password outside any recognisable shape.
 */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(URL_PASSWORD, `$1:${MASK}@`).replace(KEY_VALUE_PASSWORD, `$1${MASK}`);
  for (const secret of secrets) {
    if (secret.length >= MIN_LITERAL_SECRET) out = out.split(secret).join(MASK);
  }
  return out;
}

/** The password of a connection URL in both its encoded and decoded spelling, for `redact`'s secrets. */
export function urlSecrets(url: string): string[] {
  try {
    const parsed = parsePgUrl(url)?.url ?? new URL(url);
    if (!parsed.password) return [];
    const decoded = safeDecode(parsed.password);
    return decoded === parsed.password ? [parsed.password] : [parsed.password, decoded];
  } catch {
    return [];
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
