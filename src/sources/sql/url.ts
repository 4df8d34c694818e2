/**
 * A postgres:// URL read as libpq and pg read it. WHATWG's URL refuses credentials before an
 * empty host, `postgres://user:pw@/db?host=/var/run/postgresql` (a Unix socket named by the
 * query), which libpq accepts: such a URL is read with a stand-in host, as pg-connection-string
 * does, and reports an empty hostname.
 */
const STAND_IN = '__rfcgate_no_host__';

export function parsePgUrl(text: string): { url: URL; hostname: string } | undefined {
  const trimmed = text.trim();
  if (!/^postgres(ql)?:\/\//i.test(trimmed)) return undefined;
  try {
    const url = new URL(trimmed);
    return { url, hostname: url.hostname };
  } catch {
    // Only the authority's `@/` (credentials, then the path at once) gets the stand-in.
    const withHost = trimmed.replace(/^(postgres(?:ql)?:\/\/[^/?#]*@)(?=[/?#]|$)/i, `$1${STAND_IN}`);
    if (withHost === trimmed) return undefined;
    try {
      const url = new URL(withHost);
      return url.hostname === STAND_IN ? { url, hostname: '' } : undefined;
    } catch {
      return undefined;
    }
  }
}

/**
 * Where a postgres URL points, without its credentials: `host:port` and `host:port/db`, read
 * as pg and libpq read them (a socket folder from `?host=`, over any host before the path; the
 * database defaulting to the user).
 * `undefined` when the text is no postgres URL; the caller says so with its own error.
 */
export function pgUrlTarget(text: string): { endpoint: string; database: string } | undefined {
  const read = parsePgUrl(text);
  if (!read) return undefined;
  const parsed = read.url;
  const decode = (t: string) => {
    try {
      return decodeURIComponent(t);
    } catch {
      return t;
    }
  };
  // A parameter of the query is read over the URL's own part, as pg and libpq read it (the last
  // of a repeated one): `postgres://u@localhost/db?host=/run/postgresql` connects to that socket
  // folder, which is then the place to name, not localhost.
  const param = (key: string) => parsed.searchParams.getAll(key).at(-1) || undefined;
  const host = param('host') || decode(read.hostname) || 'localhost';
  const port = param('port') || parsed.port || '5432';
  const db = decode(parsed.pathname.replace(/^\//, '')) || decode(parsed.username);
  return { endpoint: `${host}:${port}`, database: `${host}:${port}/${db}` };
}

/** The sslmode values pg 8 reads as verify-full unless the URL opts into libpq's meanings. */
const VERIFY_FULL_ALIASES = new Set(['prefer', 'require', 'verify-ca']);

/** The parameters of a URL's query, each with its text as written and as pg reads it. */
function queryParts(url: string): { start: number; end: number; parts: { raw: string; key: string; value: string }[] } {
  const q = url.indexOf('?');
  if (q < 0) return { start: url.length, end: url.length, parts: [] };
  const hash = url.indexOf('#', q);
  const end = hash < 0 ? url.length : hash;
  const parts = url
    .slice(q + 1, end)
    .split('&')
    .map((raw) => {
      const [entry] = new URLSearchParams(raw);
      return { raw, key: entry?.[0] ?? '', value: entry?.[1] ?? '' };
    });
  return { start: q + 1, end, parts };
}

/** The last value of `key`: pg-connection-string reads every parameter in turn, so the last one wins. */
function lastParam(parts: readonly { key: string; value: string }[], key: string): string | undefined {
  return parts.filter((p) => p.key === key).at(-1)?.value;
}

/**
 * The connection string handed to pg. pg 8 treats sslmode=prefer, require and verify-ca as
 * verify-full, and says so in a multi-line SECURITY WARNING printed before anything rfcgate
 * says, on every run; naming verify-full, as the warning itself recommends, keeps that meaning
 * exactly and needs no warning. With uselibpqcompat=true the modes mean what libpq says and pg
 * warns about nothing: the URL is left as it is.
 */
export function pgConnectionString(url: string): string {
  const { start, end, parts } = queryParts(url);
  if (parts.length === 0 || lastParam(parts, 'uselibpqcompat') === 'true') return url;
  const query = parts
    .map((p) => (p.key === 'sslmode' && VERIFY_FULL_ALIASES.has(p.value) ? 'sslmode=verify-full' : p.raw))
    .join('&');
  return url.slice(0, start) + query + url.slice(end);
}

/**
 * What asked for SSL, as the user wrote it (`sslmode=require`, `PGSSLMODE=require`), for a
 * server that refused it; undefined when nothing did.
 */
export function sslRequest(url: string, env: Readonly<Record<string, string | undefined>>): string | undefined {
  const { parts } = queryParts(url);
  const sslmode = lastParam(parts, 'sslmode');
  if (sslmode !== undefined) return sslmode === 'disable' ? undefined : `sslmode=${sslmode}`;
  for (const key of ['ssl', 'sslcert', 'sslkey', 'sslrootcert', 'sslnegotiation']) {
    const value = lastParam(parts, key);
    if (value !== undefined) return key === 'ssl' || key === 'sslnegotiation' ? `${key}=${value}` : key;
  }
  const fromEnv = env.PGSSLMODE;
  return fromEnv !== undefined && fromEnv !== '' && fromEnv !== 'disable' ? `PGSSLMODE=${fromEnv}` : undefined;
}

/**
 * Why the connection string in `variable` cannot be used, for an invalid invocation (exit 3):
 * the variable's name and what a valid URL looks like, never the text itself, which holds the
 * password. `embedded`: unsetting it falls back to the embedded database (DATABASE_URL).
 */
function invalidUrlMessage(variable: string, embedded: boolean): string {
  const fix = embedded ? 'correct it, or unset it to use the embedded database' : 'correct it';
  return `${variable} is not a valid postgres:// or postgresql:// URL (such as postgres://user:password@host:5432/database, special characters percent-encoded); ${fix}`;
}

/**
 * The sslmode values pg reads. pg reads any other (a typo such as `requre`, or libpq's `allow`,
 * which pg does not offer) as verify-full, silently, where libpq refuses it.
 */
const SSLMODES = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify'];

/**
 * Why the connection string in `variable` cannot be used, for an invalid invocation (exit 3),
 * or undefined when it can. Never the URL's text: only a port or an sslmode it does not know,
 * which hold no secret (and are cut when long, in case one was pasted with what does).
 */
export function urlProblem(variable: string, text: string, embedded: boolean): string | undefined {
  const read = parsePgUrl(text);
  if (!read) return invalidUrlMessage(variable, embedded);
  const { parts } = queryParts(text.trim());
  // A password holding `/`, `?` or `#` written as it is ends the authority there:
  // `postgres://u:pa@ss/word@host/db` is read as host `ss` and database `word@host/db`, and every
  // message naming the database then printed the password's tail. An `@` after the host (in the
  // database name, a parameter's name or the fragment) is that mistake, never a setting of pg's.
  if (read.url.pathname.includes('@') || read.url.hash.includes('@') || parts.some((p) => p.key.includes('@'))) {
    return `${variable} has an @ after its host, as a password holding /, ? or # written as it is makes (the host is then read from inside the password): percent-encode them in the password (/ as %2F, ? as %3F, # as %23, @ as %40); a database whose name holds @ is named by PGDATABASE instead`;
  }
  // The URL's own port is checked by the parser; one in the query (`?port=`, which pg reads
  // over it) is not, and pg hands it to the socket as it is: a port that is no number, or
  // out of range, made the socket throw where no caller could catch it, and the command ended
  // without a word (exit 13) instead of saying what to correct. An empty one is ignored by pg.
  const port = lastParam(parts, 'port');
  if (port !== undefined && port !== '' && !(/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) {
    return `${variable} sets port=${shown(port)}, which is not a port: write a number from 1 to 65535`;
  }
  const sslmode = lastParam(parts, 'sslmode');
  if (sslmode === undefined || SSLMODES.includes(sslmode)) return undefined;
  return `${variable} sets sslmode=${shown(sslmode)}, which is not an sslmode: write one of ${SSLMODES.join(', ')}${sslmode === 'allow' ? ' (allow is not offered: prefer tries SSL and verifies the server, disable never uses it)' : ''}`;
}

/** A parameter's value as a message quotes it: a long one (a pasted secret, say) is cut. */
function shown(value: string): string {
  return value.length > 24 ? `${value.slice(0, 24)}…` : value;
}
