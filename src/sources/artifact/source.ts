/**
 * The artifact source: a document committed to the repository (a hand-off, a go-decision)
 * that must exist, whose named section must actually be filled in, and out of which a value
 * may be read. A blank judgement is `halt: unsigned`, never a pass.
 */
import type { Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import picomatch from 'picomatch';
import type { Evidence, HaltReason, SourceLocation } from '../../model/result.js';
import type { ArtifactSpec, ColumnExtract, MeasurementSpec, PatternExtract, SampleWindow } from '../../spec/types.js';
import {
  type Anchor,
  anchor,
  anchorEvidence,
  authorOf,
  compileRegex,
  refOriginOf,
  RepoBackedSource,
  SHALLOW_FIX,
} from '../git/common.js';
import { type GitHistory, pathMatcher } from '../git/repo.js';
import { type EvalContext, halt, type MeasurementOutcome, ok, type RefOrigin } from '../types.js';
import { isCalendarDate, utcDate } from '../../util/calendar.js';
import {
  blanks,
  documentLines,
  findSection,
  headings,
  normaliseHeading,
  type Section,
  type SectionLine,
  sectionText,
  tables,
  visibleText,
} from './markdown.js';

interface Candidate {
  path: string;
  /** false: present only in the working tree, where CI cannot see it. */
  committed: boolean;
}

/** Folders never worth walking for a hand-off document, unless the glob names them. */
const SKIP_DIRS = new Set(['.git', 'node_modules']);

export class ArtifactMeasurementSource extends RepoBackedSource<'artifact'> {
  readonly kind = 'artifact' as const;

  protected describe(m: Extract<MeasurementSpec, { source: 'artifact' }>): string {
    return `artifact ${m.artifact.glob} for '${m.id}'`;
  }

  protected run(
    m: Extract<MeasurementSpec, { source: 'artifact' }>,
    repo: GitHistory,
    ctx: EvalContext,
  ): Promise<MeasurementOutcome> {
    return this.read(m.artifact, repo, ctx, refOriginOf(m, m.artifact.ref, ctx), specPlaces(m));
  }

  private async read(
    spec: ArtifactSpec,
    repo: GitHistory,
    ctx: EvalContext,
    from: RefOrigin | undefined,
    specAt: SpecAt,
  ): Promise<MeasurementOutcome> {
    const ref = spec.ref ?? ctx.ref;
    const a = await anchor(repo, ref, ctx.asOf, { history: false, ...(from ? { from } : {}) });
    if (!a.ok) return a.outcome;
    const at = a.anchor;
    const base: Evidence = { glob: spec.glob, ...anchorEvidence(at) };

    const committed = await repo.filesAt(at.commit.sha, spec.glob);
    const committedSet = new Set(committed);
    const onDisk = at.bare ? [] : await workingTreeMatches(at.root, spec.glob);
    // The checkout's own commit holds files the ref read may not (--ref another branch, or a
    // past commit): those are on disk because they are committed, not written locally, so they
    // are neither a local file to count with working_tree: allow nor one to tell the user to commit.
    const checkedOut = onDisk.length > 0 ? await checkoutFiles(repo, at, spec.glob) : new Set<string>();
    const untracked = onDisk.filter((p) => !committedSet.has(p) && !checkedOut.has(p));
    // A file written after the instant cannot have existed then: a replay must not see it.
    const untrackedThen: string[] = [];
    for (const p of untracked) {
      const s = await stat(path.join(at.root, p)).catch(() => undefined);
      if (s && s.mtime.getTime() <= ctx.asOf.getTime()) untrackedThen.push(p);
    }

    const allow = spec.working_tree === 'allow';
    const candidates: Candidate[] = [
      ...committed.map((p) => ({ path: p, committed: true })),
      ...(allow ? untrackedThen.map((p) => ({ path: p, committed: false })) : []),
    ];
    if (spec.exists) {
      // Absence is the measured value here, not a missing measurement.
      return ok(candidates.length > 0, {
        ...base,
        working_tree: spec.working_tree ?? 'deny',
        matches: candidates.slice(0, 10).map((c) => c.path),
        ...(!allow && untrackedThen.length > 0
          ? { note: `${untrackedThen[0]} exists only in the working tree, which CI cannot see` }
          : {}),
        // Counted, a local file must still be said to be one, as a read of it is: a value CI
        // would not find otherwise looks like a committed one.
        ...(allow && untrackedThen.length > 0
          ? {
              visible_to_ci: committed.length > 0,
              note:
                committed.length > 0
                  ? `${untrackedThen[0]} also matches but exists only in the working tree (uncommitted or git-ignored), which CI cannot see`
                  : `${untrackedThen[0]} exists only in the working tree (uncommitted or git-ignored): CI cannot see it`,
            }
          : {}),
      });
    }
    if (candidates.length === 0) {
      let hint = '';
      if (!allow && untrackedThen.length > 0) {
        hint = `; ${untrackedThen[0]} exists only in the working tree, which CI cannot see: commit it (or set working_tree: allow for a local check)`;
      } else if (untracked.length > 0) {
        hint = `; ${untracked[0]} exists in the working tree but was written after ${ctx.asOf.toISOString()}`;
      }
      return halt('missing', `no file matching ${spec.glob} on '${ref}' as of ${ctx.asOf.toISOString()}${hint}`, {
        ...base,
        working_tree: spec.working_tree ?? 'deny',
      });
    }

    const chosen = await newest(candidates, repo, at);
    if (typeof chosen === 'string') return halt('missing', chosen, { ...base, matches: candidates.map((c) => c.path) });
    const others = candidates.filter((c) => c !== chosen).map((c) => c.path);
    const evidence: Evidence = { ...base, path: chosen.path, visible_to_ci: chosen.committed };
    if (others.length > 0) evidence.other_matches = others.slice(0, 10);

    let text: string | undefined;
    let written: Written | undefined;
    if (chosen.committed) {
      text = await repo.fileAt(at.commit.sha, chosen.path);
      const last = at.shallow ? undefined : await repo.lastCommitTouchingFile(at.commit.sha, chosen.path);
      evidence.commit = last ? { sha: last.sha, author: authorOf(last), date: last.date } : null;
      if (at.shallow) evidence.commit_note = 'shallow clone: the last commit touching the file is unknown';
      // Without the last commit touching the file, the commit read is all that is known: the
      // file was committed at or before it.
      written = last
        ? { sha: last.sha, date: last.date, exact: true }
        : { sha: at.commit.sha, date: at.commit.date, exact: false };
    } else {
      text = await readFile(path.join(at.root, chosen.path), 'utf8').catch(() => undefined);
      evidence.commit = 'working tree';
      evidence.note = 'this file exists only in the working tree (uncommitted or git-ignored): CI cannot see it';
    }
    if (text === undefined) {
      return halt('missing', `${chosen.path} matches ${spec.glob} but is not a readable regular file`, evidence);
    }

    // A template's instructions in comments are not what the document says, as in a section.
    let scope = visibleText(text);
    let firstLine = 1;
    let section: Section | undefined;
    if (spec.section !== undefined) {
      section = findSection(text, spec.section);
      if (!section) {
        const found = headings(text)
          .slice(0, 20)
          .map((h) => `${'#'.repeat(h.level)} ${h.text}`);
        // The heading may be the document's to add or the spec's to spell as the document does.
        return haltWritten(
          'missing',
          `${chosen.path} has no '${spec.section}' section; add that heading and fill it in`,
          { ...evidence, section: spec.section, headings: found },
          specAt('section'),
        );
      }
      evidence.section = spec.section;
      evidence.line = section.heading.line;
      const problems = blanks(section);
      if (problems.length > 0) {
        const shown = problems.slice(0, 3).map((p) => `${p.detail} at ${chosen.path}:${p.line}`);
        const more = problems.length > 3 ? ` and ${problems.length - 3} more` : '';
        return halt(
          'unsigned',
          `section '${section.heading.text}' of ${chosen.path}:${section.heading.line} is not filled in: ${shown.join('; ')}${more}`,
          {
            ...evidence,
            blanks: problems.map((p) => ({ kind: p.kind, line: p.line, detail: p.detail })),
          },
        );
      }
      scope = sectionText(section);
      firstLine = section.body[0]?.line ?? section.heading.line + 1;
    }

    if (spec.sample) {
      // A value measured over too short a sample is not the value the gate asks for: not read.
      const sample = readSample(spec.sample, scope, firstLine, chosen.path, evidence, ctx.asOf, written, specAt);
      if (sample.status === 'halt') return sample;
      evidence.sample = sample.evidence;
    }

    if (!spec.extract) return ok(true, evidence);
    if ('column' in spec.extract) {
      return readColumn(spec.extract, section ? section.body : documentLines(text), chosen.path, evidence, specAt);
    }
    return extract(spec.extract, scope, firstLine, chosen.path, evidence, specAt);
  }
}

/**
 * Where a key of a measurement's artifact block (`section`, `extract.pattern`) is written in
 * measurements.yaml, with the key as a halt names it; undefined for a spec not read from a file.
 */
type SpecAt = (key: string) => (SourceLocation & { key: string }) | undefined;

function specPlaces(m: Extract<MeasurementSpec, { source: 'artifact' }>): SpecAt {
  return (key) => (m.textAt ? { ...m.textAt(key), key: `artifact.${key}` } : undefined);
}

/**
 * A halt on what the spec looks for in a document that is there (a heading, a pattern, a
 * column) names where measurements.yaml writes it, as a query the database rejects does:
 * `file:line:col` in the reason, in the evidence, and as its cause. It may be the document
 * that lacks the text, but the line looked for is where either fix starts. A missing document,
 * a blank, or a value the document writes wrong is the document's alone, and not located.
 */
function haltWritten(reason: HaltReason, text: string, evidence: Evidence, at: ReturnType<SpecAt>): MeasurementOutcome {
  if (!at) return halt(reason, text, evidence);
  const { key, ...location } = at;
  const where = `${location.file}:${location.line}:${location.col}`;
  return halt(
    reason,
    `${text}; written at ${where} (${key})`,
    { ...evidence, written_at: { ...location, key } },
    location,
  );
}

function extract(
  ex: PatternExtract,
  text: string,
  firstLine: number,
  file: string,
  evidence: Evidence,
  specAt: SpecAt,
): MeasurementOutcome {
  // Multiline: documents are line-oriented, so `^Judgement: (\w+)` should find its line.
  const re = compileRegex(ex.pattern, 'm');
  if (typeof re === 'string')
    return halt('error', `extract pattern /${ex.pattern}/ is not a valid regex: ${re}`, evidence);
  const match = re.exec(text);
  const where = evidence.section !== undefined ? `section '${evidence.section}' of ${file}` : file;
  if (ex.as === 'bool') {
    return ok(match !== null, {
      ...evidence,
      pattern: ex.pattern,
      matched: match?.[0] ?? null,
      ...lineOf(match, text, firstLine),
    });
  }
  const captured = match ? (match.length > 1 ? match[1] : match[0]) : undefined;
  if (captured === undefined) {
    return haltWritten(
      'missing',
      `pattern /${ex.pattern}/ was not found in ${where}`,
      { ...evidence, pattern: ex.pattern },
      specAt('extract.pattern'),
    );
  }
  const ev: Evidence = { ...evidence, pattern: ex.pattern, extracted: captured, ...lineOf(match, text, firstLine) };
  if (ex.as === 'string') return ok(captured, ev);
  const n = documentNumber(captured);
  if (!Number.isFinite(n)) {
    // What the pattern captures is the spec's choice (`Slip: (.*)` takes `5 days` whole).
    return haltWritten(
      'missing',
      `pattern /${ex.pattern}/ in ${where} captured '${captured}', which is not a number`,
      ev,
      specAt('extract.pattern'),
    );
  }
  return ok(n, ev);
}

const DAY_MS = 86_400_000;

/**
 * When a committed document was last written: the commit that last changed it (`exact`), or,
 * where that is unknown (a shallow clone), the commit it was read from, which it is no newer than.
 */
interface Written {
  sha: string;
  /** Committer date, ISO 8601 in UTC. */
  date: string;
  exact: boolean;
}

/**
 * The sample window a document states (`Sample window: 2026-05-01 to 2026-05-08`), checked
 * against `min_days`: ok with the window read as its evidence, or the halt. Days are counted
 * from the first date to the second, as the tool's own windows [start, end) are: 2026-05-01
 * to 2026-05-08 is 7 days. Counting both ends would read 2026-05-01 to 2026-05-07 written
 * that way (six days, ending the morning of the 7th) as seven, a thin sample passed as a full
 * one; a writer who meant the 7th inclusive is told the end date to write instead. A window
 * that is not stated, or that names no span of days, leaves the sample unmeasured: missing,
 * and the document is what must say it. So does a window that had not ended by `asOf` (its
 * end date's midnight UTC after it): a value written before its sample was taken in full (a
 * year typed wrong, a template's placeholder dates) was not measured over that window, and
 * waiting does not make it so; the document must be corrected, hence missing, not pending.
 * The same holds for a window that ends after the commit that last changed the document
 * (`written`): its value was written then, before its sample ended, whatever `asOf` is later.
 * That commit's committer date is when the text is known to have existed; its author date is
 * not, since an amend or a rebase keeps the author date while the text changes (a pull request
 * opened before its sample ended and updated with the full measurement before it merged). A
 * file only in the working tree (`written` undefined) has no commit: `asOf` alone bounds it.
 */
function readSample(
  spec: SampleWindow,
  text: string,
  firstLine: number,
  file: string,
  evidence: Evidence,
  asOf: Date,
  written: Written | undefined,
  specAt: SpecAt,
): MeasurementOutcome {
  const where = evidence.section !== undefined ? `section '${evidence.section}' of ${file}` : file;
  const base: Evidence = { pattern: spec.pattern, min_days: spec.min_days };
  const re = compileRegex(spec.pattern, 'm');
  if (typeof re === 'string') {
    return halt('error', `sample pattern /${spec.pattern}/ is not a valid regex: ${re}`, { ...evidence, sample: base });
  }
  const match = re.exec(text);
  if (!match) {
    return haltWritten(
      'missing',
      `${where} states no sample window (pattern /${spec.pattern}/ was not found): its value is read only over a stated sample of at least ${spec.min_days} day${spec.min_days === 1 ? '' : 's'}`,
      { ...evidence, sample: base },
      specAt('sample.pattern'),
    );
  }
  const line = firstLine + (text.slice(0, match.index).match(/\n/g)?.length ?? 0);
  const from = match[1] ?? '';
  const to = match[2] ?? '';
  const read: Evidence = { ...base, from, to, line };
  const at = `${file}:${line}`;
  const start = calendarDay(from);
  const end = calendarDay(to);
  const bad = start === undefined ? from : end === undefined ? to : undefined;
  if (start === undefined || end === undefined) {
    return halt(
      'missing',
      `the sample window at ${at} reads '${from}' to '${to}', and '${bad ?? ''}' is not a date written YYYY-MM-DD`,
      { ...evidence, sample: read },
    );
  }
  if (end < start) {
    const why = `the sample window at ${at} ends (${to}) before it starts (${from}): it names no span of days`;
    return halt('missing', why, { ...evidence, sample: read });
  }
  if (end > asOf.getTime()) {
    const asOfText = asOf.toISOString();
    const why =
      start > asOf.getTime()
        ? `starts ${from}, after as_of ${asOfText}: none of its sample had been taken`
        : `ends ${to} (the sample runs until ${to} 00:00 UTC), after as_of ${asOfText}: its sample had not been taken in full`;
    return halt(
      'missing',
      `the sample window ${from} to ${to} at ${at} ${why}, so the value was not measured over it`,
      { ...evidence, sample: read },
    );
  }
  if (written && end > new Date(written.date).getTime()) {
    const commit = `${written.sha.slice(0, 12)}, ${written.date}`;
    const why = written.exact
      ? `after ${file} was last committed (${commit})`
      : `after ${file} was committed (in ${commit} or before it)`;
    return halt(
      'missing',
      `the sample window ${from} to ${to} at ${at} ends ${to} (the sample runs until ${to} 00:00 UTC), ${why}: its value was written before its sample was taken in full, so it was not measured over it; commit the document after its sample ends`,
      { ...evidence, sample: read },
    );
  }
  if (written && !written.exact) {
    // A shallow clone's commit read is no older than the file; the file's own commit could be.
    return halt(
      'missing',
      `the sample window ${from} to ${to} at ${at} is read only from a document committed after it ended, and the commit that last changed ${file} is unknown: ${SHALLOW_FIX}`,
      { ...evidence, sample: read },
    );
  }
  const days = Math.round((end - start) / DAY_MS);
  const ev: Evidence = { ...read, days };
  if (days < spec.min_days) {
    const enough = new Date(start + spec.min_days * DAY_MS).toISOString().slice(0, 10);
    return halt(
      'insufficient',
      `the sample window ${from} to ${to} at ${at} spans ${days} day${days === 1 ? '' : 's'}, fewer than the required ${spec.min_days} (sample.min_days); days are counted from the first date to the second, so a ${spec.min_days}-day window from ${from} ends ${enough}`,
      { ...evidence, sample: ev },
    );
  }
  return ok(true, ev);
}

/** Midnight UTC of a date written YYYY-MM-DD, or undefined for anything else (2026-02-30 among it). */
function calendarDay(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return isCalendarDate(y, mo, d) ? utcDate(y, mo, d).getTime() : undefined;
}

/**
 * A number as a document writes it: decimal, signed or not, with an exponent, a trailing `%`,
 * and commas only between groups of three digits (`1,234.5`). Stripping every comma would
 * read a decimal comma (`5,5`) as 55, and Number() alone reads `0x10` as 16: no document means
 * either, and a gate must halt on them rather than judge a value nobody wrote.
 */
const DOCUMENT_NUMBER = /^[+-]?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*%?$/;

/** The number a document's text reads as, NaN when it is none (see DOCUMENT_NUMBER). */
function documentNumber(text: string): number {
  return DOCUMENT_NUMBER.test(text.trim()) ? Number(text.replace(/[%,\s]/g, '')) : Number.NaN;
}

/**
 * A column of the tables among `lines` (a section's body, or the whole document): every data
 * row of every table whose header names the column, each cell read as a number, folded by the
 * aggregate. A gate judges the rows themselves, not a summary line written beside them, so
 * nothing is assumed: no such table, no rows, or a cell that is no number halts `missing`.
 */
function readColumn(
  ex: ColumnExtract,
  lines: SectionLine[],
  file: string,
  evidence: Evidence,
  specAt: SpecAt,
): MeasurementOutcome {
  const where = evidence.section !== undefined ? `section '${evidence.section}' of ${file}` : file;
  const want = normaliseHeading(ex.column);
  const all = tables(lines);
  const read = all.flatMap((t) => {
    const col = t.header.findIndex((h) => normaliseHeading(h) === want);
    return col < 0 ? [] : [{ table: t, col }];
  });
  const base: Evidence = { ...evidence, column: ex.column, aggregate: ex.aggregate };
  if (read.length === 0) {
    const tablesRead: Evidence = { ...base, tables: all.map((t) => ({ line: t.line, columns: t.header })) };
    if (all.length === 0) {
      return halt('missing', `${where} has no table; a table with a '${ex.column}' column is read`, tablesRead);
    }
    // Tables are there, under other headers: the column's name may be the spec's to spell as they do.
    const found = all.map((t) => `${t.header.map((h) => `'${h}'`).join(', ')} (${file}:${t.line})`);
    return haltWritten(
      'missing',
      `${where} has no table with a '${ex.column}' column; its ${all.length === 1 ? 'table has' : 'tables have'} columns ${found.join('; ')}`,
      tablesRead,
      specAt('extract.column'),
    );
  }
  const tableLines = read.map((r) => r.table.line);
  const cells = read.flatMap(({ table, col }) =>
    table.rows.map((r) => {
      const text = (r.cells[col] ?? '').trim();
      return { line: r.line, row: r.cells[0] ?? '', text, value: documentNumber(text) };
    }),
  );
  if (cells.length === 0) {
    const at = tableLines.map((l) => `${file}:${l}`).join(', ');
    return halt('missing', `the '${ex.column}' table of ${where} (${at}) has no rows`, {
      ...base,
      table_lines: tableLines,
    });
  }
  const bad = cells.filter((c) => !Number.isFinite(c.value));
  const first = bad[0];
  if (first) {
    const row = first.row === '' ? 'a row' : `row '${first.row}'`;
    const more = bad.length > 1 ? ` (and ${bad.length - 1} more row${bad.length > 2 ? 's' : ''})` : '';
    return halt(
      'missing',
      `${row} at ${file}:${first.line} reads '${first.text}' in the '${ex.column}' column, which is not a number${more}`,
      { ...base, table_lines: tableLines, not_numbers: bad.slice(0, 10).map((c) => ({ line: c.line, cell: c.text })) },
    );
  }
  const ev: Evidence = { ...base, table_lines: tableLines, rows: cells.length };
  if (ex.aggregate === 'count') return ok(cells.length, ev);
  if (ex.aggregate === 'sum') {
    const sum = cells.reduce((s, c) => s + c.value, 0);
    if (!Number.isFinite(sum)) return halt('missing', `the '${ex.column}' column of ${where} sums past any number`, ev);
    return ok(sum, ev);
  }
  // The first row holding the largest (smallest) value is the one the evidence names.
  const pick = cells.reduce((best, c) =>
    (ex.aggregate === 'max' ? c.value > best.value : c.value < best.value) ? c : best,
  );
  return ok(pick.value, { ...ev, row: pick.row, extracted: pick.text, extracted_line: pick.line });
}

function lineOf(match: RegExpExecArray | null, text: string, firstLine: number): Evidence {
  if (!match) return {};
  let n = 0;
  for (let i = 0; i < match.index; i++) if (text.charCodeAt(i) === 10) n++;
  return { extracted_line: firstLine + n };
}

/**
 * Two file names in the order they were written: runs of digits compare as numbers (`v10`
 * after `v9`, `rev-12` after `rev-2`), everything else character by character. Zero-padded
 * dates compare as they did; a revision or sequence number past one digit is not read as
 * older than the first of its digits. Names equal that way (`v01`, `v1`) fall back to their text.
 */
export function compareNames(x: string, y: string): number {
  const digits = /\d+/y;
  const runAt = (t: string, i: number) => {
    digits.lastIndex = i;
    return digits.exec(t)?.[0] ?? '';
  };
  let i = 0;
  let j = 0;
  while (i < x.length && j < y.length) {
    const a = runAt(x, i);
    const b = runAt(y, j);
    if (a !== '' && b !== '') {
      // By length once leading zeros are gone, then digit by digit: no run is too long to compare.
      const na = a.replace(/^0+/, '');
      const nb = b.replace(/^0+/, '');
      if (na.length !== nb.length) return na.length - nb.length;
      if (na !== nb) return na < nb ? -1 : 1;
      i += a.length;
      j += b.length;
      continue;
    }
    const ca = x.charCodeAt(i);
    const cb = y.charCodeAt(j);
    if (ca !== cb) return ca - cb;
    i++;
    j++;
  }
  if (x.length - i !== y.length - j) return x.length - i - (y.length - j);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Newest by file name, descending (names carry dates, `wave-3-go-decision-2026-05-13.md`, or
 * revisions, `-v10.md` after `-v9.md`: see compareNames); two files with the same name in
 * different folders are told apart by their last commit. A shallow clone does not know that
 * commit: the reason to halt instead of picking one by path.
 */
async function newest(candidates: Candidate[], repo: GitHistory, at: Anchor): Promise<Candidate | string> {
  const byName = [...candidates].sort((x, y) => {
    const bx = path.posix.basename(x.path);
    const by = path.posix.basename(y.path);
    if (bx !== by) return -compareNames(bx, by);
    return x.path < y.path ? 1 : x.path > y.path ? -1 : 0;
  });
  const top = byName[0] as Candidate;
  const ties = byName.filter((c) => path.posix.basename(c.path) === path.posix.basename(top.path));
  if (ties.length === 1) return top;
  if (at.shallow) {
    // Uncommitted beats committed whatever the history says.
    const local = ties.find((c) => !c.committed);
    if (local) return local;
    const names = ties.map((c) => c.path);
    return `${names.slice(0, -1).join(', ')} and ${names.at(-1) ?? ''} have the same name, and only their last commits tell which is newer: ${SHALLOW_FIX}`;
  }
  let best = top;
  let bestDate = '';
  for (const c of ties) {
    // Uncommitted beats committed: it is at least as new as anything in history.
    const date = c.committed ? ((await repo.lastCommitTouchingFile(at.commit.sha, c.path))?.date ?? '') : '\uffff';
    if (date > bestDate) {
      best = c;
      bestDate = date;
    }
  }
  return best;
}

/**
 * The files matching the glob in the commit checked out (HEAD, whatever its date), when it is
 * not the commit read: empty when it is, as the commit read already holds them.
 */
async function checkoutFiles(repo: GitHistory, at: Anchor, glob: string): Promise<Set<string>> {
  const head = await repo.tipOf?.('HEAD');
  if (!head || head.sha === at.commit.sha) return new Set();
  return new Set(await repo.filesAt(head.sha, glob));
}

/** Files on disk (tracked, untracked or git-ignored) matching the glob, repository-relative. */
async function workingTreeMatches(root: string, glob: string): Promise<string[]> {
  const match = pathMatcher([glob]);
  // Walk only below the glob's literal prefix: `docs/handoffs/*.md` never needs the whole tree.
  const scanned = picomatch.scan(glob.replace(/^(\.\/)+/, ''));
  const start = scanned.isGlob ? scanned.base : path.posix.dirname(scanned.input);
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(path.join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) {
        if (SKIP_DIRS.has(e.name)) continue;
        await walk(p);
      } else if (e.isFile() && match(p)) {
        out.push(p);
      }
    }
  };
  await walk(start === '.' ? '' : start);
  return out.sort();
}
