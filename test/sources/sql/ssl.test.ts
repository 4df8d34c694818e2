/**
 * A URL asking for SSL (sslmode=require) against a server without SSL: pg 8 would print its
 * multi-line SECURITY WARNING about sslmode aliases before rfcgate's own message. The URL pg
 * receives names the mode pg actually applies, and the refusal reads as one line saying what
 * to change.
 */
import { createServer, type Server } from 'node:net';
import { parse } from 'pg-connection-string';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { PgClient, SqlHaltError } from '../../../src/sources/sql/client.js';
import { pgConnectionString, sslRequest } from '../../../src/sources/sql/url.js';
import { PgWriter, SqlWriteError } from '../../../src/sources/sql/writer.js';

const BASE = 'postgres://rec:pw@db.example:5432/audit';

describe('the connection string pg receives', () => {
  it.each(['prefer', 'require', 'verify-ca'])('names verify-full for sslmode=%s, which pg 8 applies anyway', (mode) => {
    expect(pgConnectionString(`${BASE}?sslmode=${mode}`)).toBe(`${BASE}?sslmode=verify-full`);
    expect(pgConnectionString(`${BASE}?application_name=x&sslmode=${mode}&connect_timeout=3#frag`)).toBe(
      `${BASE}?application_name=x&sslmode=verify-full&connect_timeout=3#frag`,
    );
  });

  it.each([
    BASE,
    `${BASE}?sslmode=disable`,
    `${BASE}?sslmode=verify-full`,
    `${BASE}?sslmode=no-verify`,
    `${BASE}?ssl=true`,
    // libpq's meanings, asked for: pg warns about nothing, and the mode must stay as written.
    `${BASE}?uselibpqcompat=true&sslmode=require`,
    `${BASE}?sslmode=require&uselibpqcompat=true`,
  ])('leaves %s as it is', (url) => {
    expect(pgConnectionString(url)).toBe(url);
  });

  it('gives pg the same connection settings as the URL as written, without a warning', () => {
    const emitted = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      for (const mode of ['prefer', 'require', 'verify-ca']) {
        const url = `${BASE}?sslmode=${mode}&application_name=x`;
        const { sslmode: _as, ...asWritten } = parse(url);
        const { sslmode: given, ...asGiven } = parse(pgConnectionString(url));
        expect(given).toBe('verify-full');
        expect(asGiven).toEqual(asWritten);
      }
      // pg warns once per process: only the URLs as written may have set it off.
      for (const call of emitted.mock.calls) expect(String(call[0])).toContain('SECURITY WARNING');
    } finally {
      emitted.mockRestore();
    }
  });

  it('names what asked for SSL, as the user wrote it', () => {
    expect(sslRequest(`${BASE}?sslmode=require`, {})).toBe('sslmode=require');
    expect(sslRequest(`${BASE}?sslmode=require&sslmode=prefer`, {})).toBe('sslmode=prefer');
    expect(sslRequest(`${BASE}?ssl=true`, {})).toBe('ssl=true');
    expect(sslRequest(`${BASE}?sslrootcert=/etc/ca.pem`, {})).toBe('sslrootcert');
    expect(sslRequest(BASE, { PGSSLMODE: 'require' })).toBe('PGSSLMODE=require');
    expect(sslRequest(`${BASE}?sslmode=disable`, { PGSSLMODE: 'require' })).toBeUndefined();
    expect(sslRequest(BASE, {})).toBeUndefined();
  });
});

describe('a server that refuses SSL', () => {
  let server: Server;
  let endpoint: string;
  beforeAll(async () => {
    // Answers the SSLRequest as a server without SSL does: a single 'N'.
    server = createServer((socket) => {
      socket.once('data', () => socket.write('N'));
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    endpoint = `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });
  let warnings: ReturnType<typeof vi.spyOn>;
  beforeAll(() => {
    warnings = vi.spyOn(process, 'emitWarning');
  });
  afterEach(() => {
    expect(warnings.mock.calls.map((c: unknown[]) => String(c[0]))).toEqual([]);
  });
  afterAll(() => {
    warnings.mockRestore();
  });

  const reason = () =>
    `the server at ${endpoint} does not accept SSL connections, and the database URL asks for SSL (sslmode=require): set sslmode=disable in the URL to connect without SSL, or enable SSL on the server`;

  it('the read-only client halts with one line saying what to change, and no warning', async () => {
    const client = new PgClient(`postgres://rec:pw@${endpoint}/audit?sslmode=require`);
    try {
      const err = await client.query('SELECT 1', [], { timeoutMs: 5_000 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SqlHaltError);
      expect((err as SqlHaltError).halt).toBe('error');
      expect((err as SqlHaltError).message).toBe(reason());
      // The next query fails the same way at once instead of asking the server again.
      const again = await client.query('SELECT 2', [], { timeoutMs: 5_000 }).catch((e: unknown) => e);
      expect(again).toBe(err);
    } finally {
      await client.close();
    }
  });

  it('the writer fails with the same line, and nothing was written', async () => {
    const writer = new PgWriter(`postgres://rec:pw@${endpoint}/audit?sslmode=require`);
    try {
      const err = await writer.transaction(async () => {}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SqlWriteError);
      expect((err as SqlWriteError).message).toBe(`${reason()}; nothing was written`);
    } finally {
      await writer.close();
    }
  });
});
