import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openReader, openWriter, targetFor } from '../../src/ledger/cli.js';
import { LedgerError } from '../../src/ledger/errors.js';

describe('the embedded directory holds something other than a database', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'rfcgate-ledger-cli-'));
    mkdirSync(join(root, '.rfcgate', 'pgdata'), { recursive: true });
    writeFileSync(join(root, '.rfcgate', 'pgdata', 'notes.txt'), 'mine');
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  const target = () => targetFor(root, undefined, {});
  const WHAT_TO_DO =
    /^\.rfcgate\/pgdata exists but is not a PostgreSQL data directory \(no PG_VERSION\), and rfcgate will not create a database over it: move it aside, or set database\.embedded_dir in rfc\.yaml to another path, then run `rfcgate db migrate`$/;

  it('a reader (measure list, gate history) says so, rather than that it does not exist', () => {
    let err: unknown;
    try {
      openReader(target());
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LedgerError);
    expect((err as Error).message).toMatch(WHAT_TO_DO);
  });

  it('a writer (db migrate, measure record) says the same, and leaves the directory alone', async () => {
    const writer = openWriter(target(), { create: true });
    const err = await writer.transaction(async () => 1).catch((e: unknown) => e);
    await writer.close();
    expect((err as Error).message).toMatch(WHAT_TO_DO);
    expect(readdirSync(join(root, '.rfcgate', 'pgdata'))).toEqual(['notes.txt']);
  });
});
