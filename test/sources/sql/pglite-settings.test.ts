/**
 * Every door to the embedded database opens it with the program's settings (pglite-load.ts):
 * the worker thread a data directory is read on, the writer, and the in-memory databases.
 * initdb writes shared_buffers = 128MB into postgresql.conf; a door that forgot the start
 * parameter would show it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { seedEmbeddedDb } from '../../helpers/db.js';
import { PgliteClient } from '../../../src/sources/sql/client.js';
import { PgliteWriter } from '../../../src/sources/sql/writer.js';

const work = mkdtempSync(join(tmpdir(), 'rfcgate-pglite-settings-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const SETTING = "SELECT current_setting('shared_buffers') AS shared_buffers";

async function throughClient(client: PgliteClient): Promise<unknown> {
  try {
    return (await client.query(SETTING, [], { timeoutMs: 60_000 })).rows[0]?.shared_buffers;
  } finally {
    await client.close();
  }
}

async function throughWriter(writer: PgliteWriter): Promise<unknown> {
  try {
    return await writer.transaction(async (tx) => (await tx.query(SETTING)).rows[0]?.shared_buffers);
  } finally {
    await writer.close();
  }
}

describe('the embedded database opens with 16 MB of shared buffers, not the 128 MB in its postgresql.conf', () => {
  it('read from a data directory (on the worker thread)', async () => {
    const dataDir = seedEmbeddedDb(join(work, 'read'));
    expect(await throughClient(new PgliteClient({ dataDir }))).toBe('16MB');
  });

  it('written through a data directory', async () => {
    const dataDir = seedEmbeddedDb(join(work, 'write'));
    expect(await throughWriter(new PgliteWriter({ dataDir }))).toBe('16MB');
  });

  it('in memory, read and written', async () => {
    expect(await throughClient(new PgliteClient())).toBe('16MB');
    expect(await throughWriter(new PgliteWriter())).toBe('16MB');
  });
});
