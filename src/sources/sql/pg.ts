/**
 * node-postgres, loaded once for every module that talks to PostgreSQL.
 *
 * On load, pg asks whether it runs in a Cloudflare Worker: without a global `navigator` (Node
 * 20 has none; Node 21 and later do) it constructs a fetch `Response` to find out, which makes
 * Node load its whole fetch implementation (undici): about 20 ms of every command that reads a
 * database. A `navigator` with Node's own user agent (the one Node 21+ defines) answers the
 * question instead; it exists only while pg loads.
 */
import { createRequire } from 'node:module';
import type * as PgModule from 'pg';

function load(): typeof PgModule {
  const requireHere = createRequire(import.meta.url);
  const g = globalThis as { navigator?: unknown };
  const shim = g.navigator === undefined;
  if (shim) g.navigator = { userAgent: `Node.js/${process.versions.node.split('.')[0] ?? ''}` };
  try {
    return requireHere('pg') as typeof PgModule;
  } finally {
    if (shim) delete g.navigator;
  }
}

const pg = load();
export default pg;
