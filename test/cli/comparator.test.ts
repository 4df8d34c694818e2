/**
 * `comparator check` and `comparator run` as a user runs them: the real binary over a
 * fixture repository whose embedded PGlite database holds a canonical table and its shadow.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { newPglite } from '../../src/sources/sql/pglite-load.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectFacts } from '../../src/council/facts.js';
import { lockWindows, writeWindow } from '../../src/comparator/window.js';
import { defaultMigrationRange, migrate, migrationPlan } from '../../src/ledger/schema.js';
import { lockWaiters, migrateEmbedded, seedEmbeddedDb, testBackends, useTestDatabase } from '../helpers/db.js';
import { expectInert, PLANTED, SHOWN_INSIDE } from '../helpers/planted.js';
import { modeline, tempRoot, writeRfc } from '../helpers/spec-fixture.js';
import { BIN, runCli } from '../helpers/cli.js';

const run = (args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) =>
  runCli(args, cwd, { RFCGATE_RECORDED_BY: 'cli-test', ...env });

const COMPARATOR = `${modeline('comparator.yaml')}min_age: 6h
pairs:
  - id: identities
    canonical: core.identities
    shadow: core.identities_shadow
    key: [agent_id]
    compare: [status, score, meta]
    age_column: updated_at
    exclude:
      - { column: updated_at, reason: drifts by the shadow-write lag }
      - { column: meta_tsv, reason: generated from meta }
    rules:
      score: { float_tolerance: 0.001 }
`;

let root: string;
let cleanup: () => void;
const db = () => join(root, '.rfcgate/pgdata');
async function sql(text: string): Promise<Record<string, unknown>[]> {
  const pg = await newPglite(db());
  try {
    const res = await pg.exec(text);
    return (res.at(-1)?.rows ?? []) as Record<string, unknown>[];
  } finally {
    await pg.close();
  }
}

beforeAll(async () => {
  ({ root, cleanup } = tempRoot('rfcgate-comparator-cli-'));
  writeRfc(root, { raw: { 'comparator.yaml': COMPARATOR } });
  seedEmbeddedDb(root);
  await sql(`CREATE SCHEMA core;
    CREATE TABLE core.identities (agent_id text PRIMARY KEY, status text NOT NULL, score double precision, meta jsonb,
      meta_tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', coalesce(meta::text, ''))) STORED,
      updated_at timestamptz NOT NULL);
    CREATE TABLE core.identities_shadow (LIKE core.identities INCLUDING ALL);
    INSERT INTO core.identities (agent_id, status, score, meta, updated_at) VALUES
      ('a1', 'active', 0.5, '{"x": 1, "y": 2}', now() - interval '1 day'),
      ('a2', 'active', 0.7, NULL, now() - interval '1 day'),
      ('a3', 'paused', NULL, NULL, now() - interval '1 day'),
      ('a4', 'active', 1.0, NULL, now());
    INSERT INTO core.identities_shadow (agent_id, status, score, meta, updated_at) VALUES
      ('a1', 'active', 0.5000001, '{"y": 2, "x": 1}', now() - interval '1 day'),
      ('a2', 'disabled', 0.7, NULL, now() - interval '1 day'),
      ('a9', 'active', NULL, NULL, now() - interval '1 day');
    -- A pair of its own for the case that drops its shadow; no other case names these tables.
    CREATE TABLE core.drop_c (id int PRIMARY KEY, v int); CREATE TABLE core.drop_s (LIKE core.drop_c);
    INSERT INTO core.drop_c VALUES (1, 1); INSERT INTO core.drop_s VALUES (1, 1);`);
});
afterAll(() => cleanup?.());

describe('a malformed DATABASE_URL', () => {
  it('is a configuration error (exit 3) for comparator run and check alike, never printing the password', () => {
    const secret = 'Very-Secret-pw-42';
    for (const url of [`postgres://rec:${secret}@:port/prod`, 'not a url']) {
      for (const args of [
        ['comparator', 'run'],
        ['comparator', 'run', '--print-sql'],
        ['comparator', 'check'],
      ]) {
        const r = run([...args, '--root', root, '--rfc', 'demo'], root, { DATABASE_URL: url });
        expect(r.code).toBe(3);
        expect(r.stderr).toMatch(/^error: DATABASE_URL is not a valid postgres:\/\/ or postgresql:\/\/ URL /);
        expect(r.stdout).toBe('');
        expect(r.stdout + r.stderr).not.toContain(secret);
      }
    }
  });
});

describe('comparator check as facts for the council', () => {
  it('hands the live verifier each pair and its coverage, read from the same database', async () => {
    const saved = process.env.DATABASE_URL;
    delete process.env.DATABASE_URL;
    try {
      const [fact] = await collectFacts(['comparator_check'], { root, rfc: 'demo' });
      expect(fact).toMatchObject({ id: 'comparator_check', status: 'ok' });
      expect(fact?.summary).toMatch(/^1 pair on .+: pass$/);
      expect(fact?.detail).toContain('identities (core.identities ↔ core.identities_shadow): pass');
    } finally {
      if (saved !== undefined) process.env.DATABASE_URL = saved;
    }
  });
});

describe('comparator check', () => {
  it('passes when every live column is covered (exit 0), without reading rows', () => {
    const r = run(['comparator', 'check', '--root', root, '--rfc', 'demo'], root);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/PASS {2}identities: core\.identities ↔ core\.identities_shadow on \(agent_id\)/);
    expect(r.stdout).toMatch(/3 columns compared, 2 excluded with a reason/);
  });

  it('fails (exit 1) naming a column added after the spec, with file:line:col', async () => {
    await sql(`ALTER TABLE core.identities ADD COLUMN lineage_demoted_at timestamptz;
               ALTER TABLE core.identities_shadow ADD COLUMN lineage_demoted_at timestamptz;`);
    try {
      const r = run(['comparator', 'check', '--root', root, '--rfc', 'demo', '--json'], root);
      expect(r.code).toBe(1);
      const report = JSON.parse(r.stdout) as {
        pairs: { coverage: { code: string; column: string; location: object }[] }[];
      };
      expect(report.pairs[0]?.coverage).toEqual([
        expect.objectContaining({
          code: 'column_uncovered',
          column: 'lineage_demoted_at',
          location: { file: 'gates/demo/comparator.yaml', line: 8, col: 14 },
        }),
      ]);
      const table = run(['comparator', 'check', '--root', root, '--rfc', 'demo'], root);
      expect(table.stdout).toContain(
        'gates/demo/comparator.yaml:8:14: live column core.identities.lineage_demoted_at (timestamp with time zone) is neither compared nor excluded',
      );
    } finally {
      await sql(`ALTER TABLE core.identities DROP COLUMN lineage_demoted_at;
                 ALTER TABLE core.identities_shadow DROP COLUMN lineage_demoted_at;`);
    }
  });

  it("fails (exit 1) on an event table record.events names that does not exist, at record.events' file:line:col", async () => {
    const dir = writeRfc(root, {
      id: 'events-check',
      raw: {
        'comparator.yaml': COMPARATOR.replace(
          'min_age: 6h\n',
          'min_age: 6h\nrecord:\n  events:\n    table: audit.no_such_events\n    event_type: coordination_failure.shadow_divergence\n',
        ),
      },
    });
    try {
      const r = run(['comparator', 'check', '--root', root, '--rfc', 'events-check'], root);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/^PASS {2}identities: /m);
      expect(r.stdout).toContain(
        "\nFAIL  record.events: audit.no_such_events\n  1 problem with the event table: `comparator run --record` would record nothing (exit 3) until it is fixed\n  gates/events-check/comparator.yaml:5:12: audit.no_such_events, the event table record.events names, does not exist in this database; rfcgate does not create it (it is the application's): create it with columns event_type, recorded_at (a timestamp) and payload (json or jsonb), or name the right table\n\nverdict: FAIL\n",
      );
      // The council's live verifier is handed the same.
      const saved = process.env.DATABASE_URL;
      delete process.env.DATABASE_URL;
      try {
        const [fact] = await collectFacts(['comparator_check'], { root, rfc: 'events-check' });
        expect(fact?.summary).toMatch(/^1 pair on .+: fail$/);
        expect(fact?.detail).toContain(
          '\nrecord.events (audit.no_such_events): fail: 1 problem with the event table: `comparator run --record` would record nothing (exit 3) until it is fixed\n  event_table_missing: audit.no_such_events, the event table record.events names, does not exist in this database;',
        );
      } finally {
        if (saved !== undefined) process.env.DATABASE_URL = saved;
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an invalid comparator.yaml is exit 3 with file:line:col', () => {
    const { root: bad, cleanup: done } = tempRoot('rfcgate-comparator-bad-');
    try {
      writeRfc(bad, {
        raw: { 'comparator.yaml': `${modeline('comparator.yaml')}pairs:\n  - id: p\n    canonical: nodot\n` },
      });
      const r = run(['comparator', 'check', '--root', bad, '--rfc', 'demo'], bad);
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/^gates\/demo\/comparator\.yaml:\d+:\d+: /);
      expect(r.stderr).not.toMatch(/ at .*\.js:\d+/);
    } finally {
      done();
    }
  });
  it("reads comparator.yaml alone: a broken gate file elsewhere is spec validate's to report", () => {
    const dir = writeRfc(root, {
      id: 'other',
      raw: {
        'comparator.yaml': COMPARATOR,
        'invariants.yaml': `${modeline('invariants.yaml')}- id: I1\n  when: [not, a, gate\n`,
      },
    });
    try {
      const r = run(['comparator', 'check', '--root', root, '--rfc', 'other'], root);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/PASS {2}identities/);
      const v = run(['spec', 'validate', '--root', root, '--rfc', 'other'], root);
      expect(v.code).toBe(3);
      expect(v.stderr).toMatch(/^gates\/other\/invariants\.yaml:\d+:\d+: /m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--pair takes one pair each time: a second word is a stray argument, not a pair', () => {
    for (const cmd of ['check', 'run']) {
      const r = run(['comparator', cmd, '--root', root, '--pair', 'identities', 'agents'], root);
      expect(r.code).toBe(3);
      expect(r.stderr).toBe(
        `error: rfcgate comparator ${cmd} takes no arguments, but was given 'agents'; --pair takes one value each time: repeat it (rfcgate comparator ${cmd} --pair identities --pair agents)\n`,
      );
    }
  });

  it('an RFC without comparator.yaml is exit 3, naming the file to add', () => {
    const dir = writeRfc(root, { id: 'bare' });
    try {
      const r = run(['comparator', 'check', '--root', root, '--rfc', 'bare'], root);
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/^error: bare declares no comparator: add gates\/bare\/comparator\.yaml\n$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('comparator run', () => {
  it('lists one row per divergent key, skipping writes in flight (exit 1)', () => {
    const r = run(['comparator', 'run', '--root', root, '--rfc', 'demo', '--json'], root);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as {
      verdict: string;
      pairs: { counts: object; rows: object[]; columns: object; state: string }[];
    };
    expect(report.verdict).toBe('fail');
    // a1 equal (JSONB key order, float tolerance); a4 written just now: in flight, skipped.
    expect(report.pairs[0]?.counts).toEqual({
      canonical_missing: 1,
      shadow_missing: 1,
      value_mismatch: 1,
      divergent: 3,
    });
    expect(report.pairs[0]?.columns).toEqual({ status: 1 });
    expect(report.pairs[0]?.rows).toEqual([
      { key: { agent_id: 'a2' }, kind: 'value_mismatch', columns: ['status'] },
      { key: { agent_id: 'a3' }, kind: 'shadow_missing', columns: [] },
      { key: { agent_id: 'a9' }, kind: 'canonical_missing', columns: [] },
    ]);
    const md = run(
      ['comparator', 'run', '--root', root, '--rfc', 'demo', '--format', 'markdown', '--min-age', '0'],
      root,
    );
    expect(md.stdout).toMatch(
      /\| identities \| `core\.identities` ↔ `core\.identities_shadow` \| FAIL \| active \| 1 \| 2 \| 1 \|/,
    );
  });

  it('--print-sql shows the generated query, identifiers quoted and values as parameters', () => {
    const r = run(['comparator', 'run', '--root', root, '--rfc', 'demo', '--print-sql'], root);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('FULL OUTER JOIN "core"."identities_shadow" AS s ON c."agent_id" = s."agent_id"');
    expect(r.stdout).toMatch(
      /NOT CASE WHEN c\."score" = 'NaN' OR s\."score" = 'NaN' THEN false WHEN sign\(c\."score"\) = sign\(s\."score"\) THEN abs\(c\."score" - s\."score"\) <= \$\d+::double precision ELSE abs\(c\."score"\) <= \$\d+::double precision - abs\(s\."score"\) END/,
    );
    expect(r.stdout).toMatch(/-- \$\d+ = 0\.001/);
    // min_age 6h before the database's clock: the cutoff parameter is printed as a time.
    const cutoffs = [...r.stdout.matchAll(/-- \$\d+ = "(\d{4}-\d\d-\d\dT[\d:.]+Z)"/g)].map((m) =>
      Date.parse(m[1] ?? ''),
    );
    expect(cutoffs.length).toBeGreaterThan(0);
    for (const c of cutoffs) expect(Math.abs(Date.now() - 6 * 3_600_000 - c)).toBeLessThan(600_000);
  });

  it('--min-age is refused (exit 3) when no pair it applies to names an age_column; --limit past a billion too', () => {
    writeRfc(root, {
      id: 'noage',
      raw: {
        'comparator.yaml': `${modeline('comparator.yaml')}pairs:\n  - { id: p, canonical: core.drop_c, shadow: core.drop_s, key: [id], compare: all }\n`,
      },
    });
    const r = run(['comparator', 'run', '--root', root, '--rfc', 'noage', '--min-age', '5m'], root);
    expect(r.stderr).toBe(
      'error: --min-age 5m would skip nothing: no pair of comparator.yaml names an age_column (the timestamp column telling when a row was last written); add one to the pair, or leave --min-age out\n',
    );
    expect(r.code).toBe(3);
    // 0 (no lag) asks nothing of the pairs; the report says no lag for a pair without the column.
    const zero = run(['comparator', 'run', '--root', root, '--rfc', 'noage', '--min-age', '0', '--json'], root);
    expect(JSON.parse(zero.stdout).pairs[0]).toMatchObject({ min_age_ms: 0, cutoff: null });
    const limit = run(['comparator', 'run', '--root', root, '--rfc', 'demo', '--limit', '9223372036854775807'], root);
    expect(limit.stderr).toMatch(/^error: Parsing --limit: Expected an integer less than or equal to 1000000000/);
    expect(limit.code).toBe(3);
  });

  it('--print-sql with --chunks is refused (exit 3): a chunked run sends other queries than the one printed', () => {
    const r = run(['comparator', 'run', '--root', root, '--rfc', 'demo', '--print-sql', '--chunks', '4'], root);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: --print-sql .* --chunks .*drop --chunks/);
    expect(run(['comparator', 'run', '--root', root, '--rfc', 'demo', '--print-sql', '--chunks', '1'], root).code).toBe(
      0,
    );
  });

  it('--print-sql with --json or --format is refused (exit 3): the queries are not a report', () => {
    const json = run(['comparator', 'run', '--root', root, '--rfc', 'demo', '--print-sql', '--json'], root);
    expect(json.code).toBe(3);
    expect(json.stderr).toBe('error: --print-sql prints the queries as SQL; it cannot be combined with --json\n');
    // --json was asked for: the refusal in its shape, as every command answers an invalid invocation.
    expect(JSON.parse(json.stdout)).toEqual({
      error: {
        name: 'UsageError',
        message: '--print-sql prints the queries as SQL; it cannot be combined with --json',
        exit: 3,
      },
    });
    const md = run(['comparator', 'run', '--root', root, '--rfc', 'demo', '--print-sql', '--format', 'markdown'], root);
    expect(md.code).toBe(3);
    expect(md.stderr).toMatch(/cannot be combined with --format markdown\n$/);
  });

  it('--print-sql halts (exit 2) as a run would on a missing table or an unreachable database', () => {
    const dir = writeRfc(root, {
      id: 'gone',
      raw: { 'comparator.yaml': COMPARATOR.replace('core.identities_shadow', 'core.identities_gone') },
    });
    try {
      const missing = run(['comparator', 'run', '--root', root, '--rfc', 'gone', '--print-sql'], root);
      expect(missing.stderr).toContain('shadow table core.identities_gone does not exist in this database');
      expect(missing.code).toBe(2);
      const down = run(['comparator', 'run', '--root', root, '--rfc', 'demo', '--print-sql'], root, {
        DATABASE_URL: 'postgres://reader@127.0.0.1:1/prod',
      });
      expect(down.stderr).toBe('pair identities: database unreachable at 127.0.0.1:1 (ECONNREFUSED)\n');
      expect(down.code).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a live column name is written out where --print-sql and the table name it, never obeyed', async () => {
    // In the canonical table only: uncovered, and missing from the shadow.
    await sql(`ALTER TABLE core.identities ADD COLUMN "${PLANTED}" text;`);
    try {
      const printed = run(['comparator', 'run', '--root', root, '--rfc', 'demo', '--print-sql'], root);
      expect(printed.code).toBe(1);
      expectInert(printed.stderr);
      expect(printed.stderr).toContain(`live column core.identities.${SHOWN_INSIDE} (text) is neither compared`);
      const checked = run(['comparator', 'check', '--root', root, '--rfc', 'demo'], root);
      expect(checked.code).toBe(1);
      expectInert(checked.stdout);
      expect(checked.stdout).toContain(`core.identities_shadow has no column '${SHOWN_INSIDE}' (text)`);
    } finally {
      await sql(`ALTER TABLE core.identities DROP COLUMN "${PLANTED}";`);
    }
  });

  it('--self-test passes and leaves the tables as they were', async () => {
    // The fixture's rows, which no case before this one changes.
    const before = [{ c: 4, s: 3 }];
    const r = run(['comparator', 'run', '--root', root, '--rfc', 'demo', '--self-test', '--json'], root);
    const report = JSON.parse(r.stdout) as { pairs: { self_test: { status: string; undetected: string[] } }[] };
    expect(report.pairs[0]?.self_test).toMatchObject({ status: 'passed', undetected: [] });
    expect(
      await sql(
        'SELECT count(*)::int AS c, (SELECT count(*)::int FROM core.identities_shadow) AS s FROM core.identities',
      ),
    ).toEqual(before);
  });

  it('refuses a blank or too long --run-id (exit 3) before comparing anything', () => {
    for (const [id, message] of [
      [
        '',
        /^error: --run-id is blank: every run would be recorded under the same id, .*or leave --run-id out for a random one\n$/,
      ],
      ['h'.repeat(200), /^error: --run-id is 200 characters; with this RFC's pair ids it may be at most 148 /],
    ] as const) {
      const r = run(['comparator', 'run', '--root', root, '--rfc', 'demo', '--record', '--run-id', id], root);
      expect(r.code).toBe(3);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(message);
    }
  });

  it('--record needs db migrate (exit 3, after the report), then records; an emptied shadow went dark (exit 4)', async () => {
    const early = run(['comparator', 'run', '--root', root, '--rfc', 'demo', '--record'], root);
    expect(early.code).toBe(3);
    expect(early.stdout).toMatch(/verdict: FAIL/);
    expect(early.stderr).toMatch(/^error: the comparator run was not recorded: .*run `rfcgate db migrate`/);

    // The ledger `db migrate` makes (its own cases are in ledger.test.ts), made in-process.
    expect(await migrateEmbedded(db())).toMatchObject({ refused: 0, blocked: 0 });
    const rec = run(['comparator', 'run', '--root', root, '--rfc', 'demo', '--record', '--run-id', 'h1'], root);
    expect(rec.code).toBe(1);
    expect(rec.stderr).toBe('recorded comparator run h1: 4 measurements, 1 window state in pglite:.rfcgate/pgdata\n');

    await sql('DELETE FROM core.identities_shadow');
    const dark = run(['comparator', 'run', '--root', root, '--rfc', 'demo', '--record', '--run-id', 'h2'], root);
    expect(dark.code).toBe(4);
    expect(dark.stdout).toMatch(/WENT DARK {2}identities: .*\[window: went_dark\]/);
    expect(dark.stdout).toMatch(/core\.identities_shadow is empty, but the shadow window was active/);
    // Three runs of the built CLI, each opening the embedded database: more than one test's usual share.
  }, 360_000);

  it('a dropped shadow that was active went dark (exit 4); a name that never existed halts (exit 2), naming it', async () => {
    const pair = (shadow: string) =>
      `${modeline('comparator.yaml')}pairs:\n  - id: dropped\n    canonical: core.drop_c\n    shadow: ${shadow}\n    key: [id]\n    compare: all\n`;
    const dropped = writeRfc(root, { id: 'dropped', raw: { 'comparator.yaml': pair('core.drop_s') } });
    const typo = writeRfc(root, { id: 'typo', raw: { 'comparator.yaml': pair('core.drop_sh') } });
    try {
      expect(await migrateEmbedded(db())).toMatchObject({ refused: 0, blocked: 0 });
      const active = run(['comparator', 'run', '--root', root, '--rfc', 'dropped', '--record', '--run-id', 'd1'], root);
      expect([active.code, active.stderr]).toEqual([0, expect.stringContaining('1 window state')]);
      await sql('DROP TABLE core.drop_s');
      const dark = run(['comparator', 'run', '--root', root, '--rfc', 'dropped', '--record', '--run-id', 'd2'], root);
      expect(dark.code).toBe(4);
      expect(dark.stdout).toMatch(/WENT DARK {2}dropped: .*\[window: went_dark\]/);
      expect(dark.stdout).toContain(
        'core.drop_s does not exist in this database, but the shadow window was active (last seen with rows ',
      );
      expect(dark.stdout).toMatch(
        /comparator\.yaml:\d+:\d+: shadow table core\.drop_s does not exist in this database/,
      );
      const never = run(['comparator', 'run', '--root', root, '--rfc', 'typo'], root);
      expect(never.code).toBe(2);
      expect(never.stdout).toContain(
        'HALT  dropped: core.drop_c ↔ core.drop_sh on (id)\n  nothing to compare: core.drop_sh does not exist in this database\n',
      );
      expect(never.stdout).toMatch(
        /comparator\.yaml:\d+:\d+: shadow table core\.drop_sh does not exist in this database/,
      );
    } finally {
      rmSync(dropped, { recursive: true, force: true });
      rmSync(typo, { recursive: true, force: true });
    }
    // Three runs of the built CLI, each opening the embedded database.
  }, 240_000);

  it('--record with record.events: an event table missing exits 3 after the report; once there, one event per listed key', async () => {
    const spec = `${modeline('comparator.yaml')}record:
  events:
    table: audit.coordination_events
    event_type: coordination_failure.beam_python_boundary.shadow_divergence
pairs:
  - id: ev
    canonical: core.ev_c
    shadow: core.ev_s
    key: [id]
    compare: all
`;
    const events = writeRfc(root, { id: 'events', raw: { 'comparator.yaml': spec } });
    const migrated = await migrateEmbedded(db(), {
      sql: `CREATE TABLE core.ev_c (id int PRIMARY KEY, v int); CREATE TABLE core.ev_s (LIKE core.ev_c);
            INSERT INTO core.ev_c VALUES (1, 1), (2, 2); INSERT INTO core.ev_s VALUES (1, 10);`,
    });
    try {
      expect(migrated).toMatchObject({ refused: 0, blocked: 0 });
      const args = ['comparator', 'run', '--root', root, '--rfc', 'events', '--record', '--run-id', 'e1'];
      const missing = run(args, root);
      expect(missing.code).toBe(3);
      expect(missing.stdout).toMatch(/verdict: FAIL/);
      expect(missing.stderr).toMatch(
        /^error: the comparator run was not recorded: audit\.coordination_events, the event table comparator\.yaml's record\.events names \(.*comparator\.yaml:4:12\), does not exist in pglite:\.rfcgate\/pgdata; rfcgate does not create it .*; nothing was written\n$/,
      );
      await sql(`CREATE TABLE audit.coordination_events (
        id bigserial PRIMARY KEY, event_type text NOT NULL, recorded_at timestamptz NOT NULL, payload jsonb NOT NULL DEFAULT '{}')`);
      const rec = run(args, root);
      expect(rec.code).toBe(1);
      expect(rec.stderr).toBe(
        'recorded comparator run e1: 3 measurements, 2 events in audit.coordination_events, 1 window state in pglite:.rfcgate/pgdata\n',
      );
      expect(await sql(`SELECT event_type, payload FROM audit.coordination_events ORDER BY payload->>'kind'`)).toEqual([
        {
          event_type: 'coordination_failure.beam_python_boundary.shadow_divergence',
          payload: {
            table: 'core.ev_c',
            key: { id: '2' },
            kind: 'shadow_missing',
            columns: [],
            run_id: 'e1',
            error_class: 'shadow_divergence',
          },
        },
        {
          event_type: 'coordination_failure.beam_python_boundary.shadow_divergence',
          payload: {
            table: 'core.ev_c',
            key: { id: '1' },
            kind: 'value_mismatch',
            columns: ['v'],
            run_id: 'e1',
            error_class: 'shadow_divergence',
          },
        },
      ]);
    } finally {
      rmSync(events, { recursive: true, force: true });
      await sql('DROP TABLE IF EXISTS audit.coordination_events');
    }
    // Two runs of the built CLI, each opening the embedded database.
  }, 240_000);

  it('halts (exit 2) when there is no database at all', () => {
    const { root: empty, cleanup: done } = tempRoot('rfcgate-comparator-nodb-');
    try {
      writeRfc(empty, { raw: { 'comparator.yaml': COMPARATOR } });
      const r = run(['comparator', 'run', '--root', empty, '--rfc', 'demo'], empty);
      expect(r.code).toBe(2);
      expect(r.stdout).toMatch(/HALT {2}identities/);
      expect(r.stdout).toMatch(/run `rfcgate db migrate`|does not exist/);
      // db migrate makes rfcgate's ledger, not the application's tables: the advice points at them.
      const why =
        "the embedded database .rfcgate/pgdata does not exist, so the tables gates/demo/comparator.yaml compares cannot be read: they are the application's, not rfcgate's (`rfcgate db migrate` creates only rfcgate's own ledger); set DATABASE_URL to the database that holds them";
      expect(r.stdout).toContain(
        `HALT  identities: core.identities ↔ core.identities_shadow on (agent_id)\n  ${why}\n`,
      );
      const check = run(['comparator', 'check', '--root', empty, '--rfc', 'demo', '--json'], empty);
      expect(check.code).toBe(2);
      expect((JSON.parse(check.stdout) as { pairs: { reason: string }[] }).pairs.map((p) => p.reason)).toEqual([why]);
      expect(check.stdout).not.toMatch(/run `rfcgate db migrate`/);
    } finally {
      done();
    }
  });

  it('documents its exit codes, went dark included', () => {
    const r = run(['comparator', 'run', '--help'], root);
    expect(r.stdout).toMatch(/EXIT CODES[\s\S]*4 {2}went dark/);
  });

  it('check documents the exit codes of a check, which reads no row: no divergence, key or self-test outcome', () => {
    const r = run(['comparator', 'check', '--help'], root);
    const codes = r.stdout.slice(r.stdout.indexOf('EXIT CODES'), r.stdout.indexOf('EXAMPLES'));
    expect(codes).toMatch(/1 {2}a coverage error/);
    expect(codes).toMatch(/2 {2}no coverage error, but a pair halted/);
    expect(codes).not.toMatch(/divergence|duplicate|self-test|min_age|went dark/);
  });
});

/** The built CLI, not waiting for it: several run at once, each blocked on the ledger. */
function runAsync(args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  const { DATABASE_URL: _d, CI: _ci, ...inherited } = process.env;
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...inherited, NO_COLOR: '1', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done) =>
    child.on('close', (code) => done({ code, stdout, stderr })),
  );
}

describe.each(testBackends().filter((b) => b.name === 'postgres'))('comparator run --record on $name', (backend) => {
  const db = useTestDatabase(backend);

  it('reports in every format the window as the ledger holds it when the run records: went dark (exit 4)', async () => {
    const { root: dir, cleanup: done } = tempRoot('rfcgate-comparator-overlap-');
    try {
      writeRfc(dir, {
        id: 'ovl',
        raw: {
          'comparator.yaml': `${modeline('comparator.yaml')}pairs:\n  - id: p\n    canonical: ovl.c\n    shadow: ovl.s\n    key: [id]\n    compare: all\n`,
        },
      });
      await migrate(db.writer(), migrationPlan(defaultMigrationRange(new Date())));
      await db.exec(`CREATE SCHEMA ovl; CREATE TABLE ovl.c (id int PRIMARY KEY, v int); CREATE TABLE ovl.s (LIKE ovl.c);
                     INSERT INTO ovl.c VALUES (1, 1);`);
      // A run that saw the shadow with rows an hour ago is recording the pair's first window
      // row when these runs start: they read no history, find the shadow empty, and record after it.
      let release = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      let locked = () => {};
      const inside = new Promise<void>((resolve) => {
        locked = resolve;
      });
      const hourAgo = new Date(Date.now() - 3_600_000);
      const earlier = db.writer().transaction(async (tx) => {
        await lockWindows(tx, 'ovl', ['p']);
        await writeWindow(tx, 'ovl', 'p', 'active', hourAgo);
        locked();
        await held;
      });
      await inside;
      const env = { DATABASE_URL: db.url(), RFCGATE_RECORDED_BY: 'cli-test' };
      const runs = (['table', 'json', 'markdown'] as const).map((format) =>
        runAsync(
          ['comparator', 'run', '--root', dir, '--rfc', 'ovl', '--record', '--run-id', format, '--format', format],
          dir,
          env,
        ),
      );
      // Each waits for the run recording before it (the first for the one held here).
      await lockWaiters(db, 3);
      release();
      await earlier;
      const [table, json, markdown] = await Promise.all(runs);
      const since = `(last seen with rows ${hourAgo.toISOString()})`;
      expect([table?.code, json?.code, markdown?.code]).toEqual([4, 4, 4]);
      expect(table?.stdout).toMatch(/^WENT DARK {2}p: ovl\.c ↔ ovl\.s on \(id\) \[window: went_dark\]$/m);
      expect(table?.stdout).toContain(`ovl.s is empty, but the shadow window was active ${since}`);
      expect(table?.stdout).toMatch(/verdict: WENT DARK/);
      const report = JSON.parse(json?.stdout ?? '') as { verdict: string; pairs: { state: string; status: string }[] };
      expect([report.verdict, report.pairs[0]?.state, report.pairs[0]?.status]).toEqual([
        'went_dark',
        'went_dark',
        'went_dark',
      ]);
      expect(markdown?.stdout).toMatch(/^### ovl shadow comparator \(run\): WENT DARK$/m);
      expect(markdown?.stdout).toMatch(/\| WENT DARK \| went_dark \|/);
      expect(table?.stderr).toMatch(/^recorded comparator run table: 1 measurement, 1 window state in /);
      const recorded = await db.exec(
        `SELECT payload->>'run_id' AS run, payload->>'state' AS state FROM audit.coordination_measurements
         WHERE measurement_type = 'measurement.comparator.run' ORDER BY 1`,
      );
      expect(recorded).toEqual([
        { run: 'json', state: 'went_dark' },
        { run: 'markdown', state: 'went_dark' },
        { run: 'table', state: 'went_dark' },
      ]);
    } finally {
      done();
    }
  }, 120_000);
});
