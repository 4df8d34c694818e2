/**
 * README.md's "A spec of your own" is what a new team copies to start: its files, written into a
 * fresh repository as they stand, must validate and run, or the first user finds out instead.
 * Run `npm run build` first.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { createRepo, removeFixtures } from '../helpers/git-fixture.js';
import { runCli } from '../helpers/cli.js';

afterAll(removeFixtures);

/** The README's YAML blocks that say which file of gates/orders-pg/ they are, by that path. */
function starterFiles(): Map<string, string> {
  const readme = readFileSync('README.md', 'utf8');
  const out = new Map<string, string>();
  for (const m of readme.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)) {
    const body = m[1] ?? '';
    const named = /^# (gates\/orders-pg\/\S+\.yaml)$/m.exec(body.split('\n').slice(0, 2).join('\n'));
    if (named?.[1]) out.set(named[1], body);
  }
  return out;
}

const ADA = { name: 'Ada Lovelace', email: 'ada@example.com' };

describe("README's spec of your own", () => {
  const files = starterFiles();

  it('holds every file it describes', () => {
    expect([...files.keys()].sort()).toEqual([
      'gates/orders-pg/attestations/cutover_signoff.yaml',
      'gates/orders-pg/disconfirmers.yaml',
      'gates/orders-pg/exit-criteria.yaml',
      'gates/orders-pg/lints.yaml',
      'gates/orders-pg/measurements.yaml',
      'gates/orders-pg/prereqs.yaml',
      'gates/orders-pg/rfc.yaml',
    ]);
  });

  it('validates, and its gates, prereqs and lint rule run as written', () => {
    const repo = createRepo();
    const spec = Object.fromEntries([...files].filter(([f]) => !f.includes('/attestations/')));
    repo.commit({
      message: 'pr1: orders schema and the RFC',
      date: '2026-05-01T10:00:00Z',
      files: {
        ...spec,
        'migrations/001_orders.sql': 'CREATE TABLE orders ();\n',
        'src/orders/app.py': 'import psycopg\n',
      },
    });

    const validate = runCli(['spec', 'validate'], repo.dir);
    expect(validate.stderr).toBe('');
    expect(validate.stdout).toContain('orders-pg: valid (6 files, 3 measurements, 2 gates)');
    expect(validate.code).toBe(0);

    const prereqs = runCli(['prereq', 'status'], repo.dir);
    expect(prereqs.stdout).toContain('can start now: pr2');
    expect(prereqs.code).toBe(0);

    expect(runCli(['lint'], repo.dir).code).toBe(0);
    repo.write('src/orders/legacy.py', 'import pymysql\n');
    const fired = runCli(['lint'], repo.dir);
    expect(fired.stdout).toMatch(/src\/orders\/legacy\.py\n {2}1:1 {2}error/);
    expect(fired.code).toBe(1);

    // The operator's own commit of the record signs the cutover; with the dual write landed, EC1 passes.
    repo.commit({
      message: 'pr2: dual write; cutover signed',
      date: '2026-06-02T10:00:00Z',
      author: ADA,
      files: {
        'src/orders/dual_write.py': 'x = 1\n',
        'gates/orders-pg/attestations/cutover_signoff.yaml': files.get(
          'gates/orders-pg/attestations/cutover_signoff.yaml',
        )!,
      },
    });
    const close = runCli(['gate', 'check', '--phase', 'close', '--json'], repo.dir);
    expect(JSON.parse(close.stdout)).toMatchObject({ verdict: 'pass', results: [{ id: 'EC1', verdict: 'pass' }] });
    expect(close.code).toBe(0);
  });
});

/**
 * Every spec file opens with its modeline (spec validate refuses one that does not), so a README
 * excerpt of a spec file shows it as the file's first line: a comment naming the file above it
 * would be copied along, and the copy refused. The modeline also names the schema of that file.
 */
describe("README's spec file excerpts", () => {
  const MODELINE = /^# yaml-language-server: \$schema=\S*\/schemas\/([a-z-]+)\.schema\.json$/;
  const NAMING = /^#\s*(?:\^\s*)?gates\/[^/\s]+\/([a-z-]+)\.yaml\b/;

  function problems(): string[] {
    const readme = readFileSync('README.md', 'utf8');
    const out: string[] = [];
    for (const m of readme.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)) {
      const first = readme.slice(0, m.index).split('\n').length + 1;
      const lines = (m[1] ?? '').split('\n');
      lines.forEach((line, i) => {
        const schema = MODELINE.exec(line)?.[1];
        if (schema === undefined) return;
        const above = NAMING.exec(lines[i - 1] ?? '');
        if (above) out.push(`README.md:${first + i}: the modeline of ${above[1]}.yaml comes after a comment naming it`);
        const named = NAMING.exec(lines[i + 1] ?? '')?.[1];
        if (named !== undefined && named !== schema)
          out.push(`README.md:${first + i}: ${named}.yaml's modeline names ${schema}.schema.json`);
      });
    }
    return out;
  }

  it('open with the modeline of their own schema', () => {
    expect(problems()).toEqual([]);
  });
});

/**
 * The worked example says it is disconfirmer (B) of Wave 3: what it shows of its measurement and
 * gate is what gates/wave3/ ships, or a reader copies a query the shipped spec had to fix.
 */
describe("README's worked example", () => {
  const readme = readFileSync('README.md', 'utf8');
  const block = [...readme.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)]
    .map((m) => m[1] ?? '')
    .find((b) => /^- id: B$/m.test(b) && b.includes('measurements.schema.json'));
  const [measurementsPart = '', disconfirmersPart = ''] = (block ?? '').split(
    /^(?=# yaml-language-server:.*disconfirmers)/m,
  );
  const byId = (file: string) =>
    new Map((parse(readFileSync(`gates/wave3/${file}`, 'utf8')) as { id: string }[]).map((x) => [x.id, x]));

  it('is found', () => {
    expect(block).toBeDefined();
  });

  it('shows the measurements as gates/wave3/measurements.yaml declares them', () => {
    const shipped = byId('measurements.yaml');
    for (const m of parse(measurementsPart) as { id: string }[]) expect(shipped.get(m.id)).toMatchObject(m);
  });

  it('shows (B) as gates/wave3/disconfirmers.yaml declares it', () => {
    const [shown] = parse(disconfirmersPart) as { id: string; sensitivity?: unknown[] }[];
    const shipped = byId('disconfirmers.yaml').get('B') as { sensitivity?: unknown[] };
    const { sensitivity = [], ...rest } = shown ?? { id: '' };
    expect(shipped).toMatchObject(rest);
    // It shows one of B's bands; each it shows is one of B's.
    for (const band of sensitivity) expect(shipped.sensitivity).toContainEqual(band);
  });
});
