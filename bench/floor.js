// @ts-check
/**
 * The physical floor of a gate check: the same git commands and the same SQL, issued
 * directly with `git` and `psql`, with nothing of rfcgate in between.
 *
 * - git: every git process rfcgate started during a recorded run, replayed by one bash script
 *   in the same directories, each writing its output to a file. The run is recorded through a
 *   `git` shim put first on PATH (simple-git strips GIT_TRACE and every other GIT_* variable
 *   from the environment, so git's own tracing cannot be used). Identical command lines are
 *   replayed once: the floor is the work that has to be done, a repeat is rfcgate's overhead.
 * - SQL: every query in the JSON evidence (`sql` with `params`, and `probe_sql`, which
 *   src/sources/sql/source.ts binds to as_of), parameters substituted as untyped literals
 *   (PostgreSQL infers their types from context exactly as it does for bound parameters),
 *   run by one psql process from one file. Repeats (a measurement read by several gates, or
 *   as another's liveness) are run once, as rfcgate's memo does.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Writes a `git` shim into `dir` that appends its working directory and its arguments
 * (quoted with bash's printf %q) to `logFile`, then execs the real git.
 * @param {string} dir
 * @param {string} logFile
 * @returns {string} the PATH to run rfcgate with
 */
export function gitShim(dir, logFile) {
  const real = execFileSync('bash', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
  mkdirSync(dir, { recursive: true });
  const shim = path.join(dir, 'git');
  writeFileSync(
    shim,
    `#!/usr/bin/env bash
# Records each git invocation (one line, one write, so concurrent processes do not interleave).
line="$(printf '%q ' "$PWD")$(printf '%q ' "$@")"
printf '%s\\n' "$line" >> ${quote(logFile)}
exec ${quote(real)} "$@"
`,
  );
  chmodSync(shim, 0o755);
  return `${dir}${path.delimiter}${process.env.PATH ?? ''}`;
}

/** @param {string} s */
const quote = (s) => `'${s.replace(/'/g, "'\\''")}'`;

/**
 * @param {string} logFile
 * @returns {{ commands: { cwd: string, args: string }[], issued: number, bySubcommand: Record<string, number> }}
 */
export function gitCommandsFromLog(logFile) {
  const lines = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').filter(Boolean) : [];
  /** @type {Map<string, { cwd: string, args: string }>} */
  const unique = new Map();
  /** @type {Record<string, number>} */
  const bySubcommand = {};
  for (const line of lines) {
    // `<cwd> <arg> <arg> ...`, each word %q-quoted (a quoted word never contains a bare space).
    const cut = line.search(/(?<!\\) /);
    const cwd = line.slice(0, cut);
    const args = line.slice(cut + 1).trim();
    if (!unique.has(line)) unique.set(line, { cwd, args });
    // The subcommand, past the `-c` settings every command starts with (src/util/git-config.ts).
    const sub = args.replace(/^(?:-c \S+ )+/, '').split(' ')[0] ?? '?';
    bySubcommand[sub] = (bySubcommand[sub] ?? 0) + 1;
  }
  return { commands: [...unique.values()], issued: lines.length, bySubcommand };
}

/**
 * @param {{ outDir: string, commands: { cwd: string, args: string }[], file: string }} o
 */
export function writeGitScript(o) {
  let cwd = '';
  /** @type {string[]} */
  const body = [];
  o.commands.forEach((c, i) => {
    // The cwd is already %q-quoted; it is `cd`-ed to only when it changes.
    if (c.cwd !== cwd) body.push(`cd ${c.cwd} || exit 1`);
    cwd = c.cwd;
    body.push(`git ${c.args} > ${quote(`${o.outDir}/${i}.out`)} 2>/dev/null || true`);
  });
  writeFileSync(
    o.file,
    `#!/usr/bin/env bash\n# The git floor: the commands rfcgate ran, each once, in order.\n${body.join('\n')}\n`,
  );
}

/** @typedef {{ sql: string, params: string[] }} Query */

/**
 * Every query in a gate-check report's evidence.
 * @param {{ as_of: string, results: { evidence?: unknown }[] }} report
 * @returns {{ queries: Query[], seen: number }}
 */
export function queriesFromReport(report) {
  /** @type {Map<string, Query>} */
  const unique = new Map();
  let seen = 0;
  const add = (/** @type {string} */ sql, /** @type {string[]} */ params) => {
    seen++;
    const key = JSON.stringify([sql, params]);
    if (!unique.has(key)) unique.set(key, { sql, params });
  };
  const walk = (/** @type {unknown} */ v) => {
    if (Array.isArray(v)) {
      for (const x of v) walk(x);
      return;
    }
    if (!v || typeof v !== 'object') return;
    const o = /** @type {Record<string, unknown>} */ (v);
    if (typeof o.sql === 'string' && Array.isArray(o.params)) add(o.sql, o.params.map(String));
    // buildNewestEverQuery: `... < $1` bound to as_of (src/sources/sql/query.ts).
    if (typeof o.probe_sql === 'string') add(o.probe_sql, [report.as_of]);
    for (const x of Object.values(o)) walk(x);
  };
  for (const r of report.results) walk(r.evidence);
  return { queries: [...unique.values()], seen };
}

/**
 * @param {Query} q
 */
export function inlineParams(q) {
  return q.sql.replace(/\$(\d+)(?!\d)/g, (whole, n) => {
    const v = q.params[Number(n) - 1];
    return v === undefined ? whole : `'${v.replace(/'/g, "''")}'`;
  });
}

/**
 * @param {Query[]} queries
 * @param {string} file
 */
export function writeSqlFile(queries, file) {
  // The same session zone rfcgate sets for each of its transactions.
  const body = queries.map((q) => `${inlineParams(q).trim().replace(/;$/, '')};`);
  writeFileSync(file, `SET TimeZone = 'UTC';\n${body.join('\n\n')}\n`);
}
