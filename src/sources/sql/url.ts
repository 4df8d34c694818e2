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
