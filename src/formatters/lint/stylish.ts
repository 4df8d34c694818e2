/**
 * Human output, grouped by file like ESLint's stylish: each finding at line:col with its
 * severity, rule and message, the matched text and the fix; then rules that halted, files
 * that were skipped, and one summary line. Colour only when asked (a TTY).
 */
import { visible } from '../visible.js';
import type { LintFinding, LintReport } from '../../lint/report.js';

export interface StylishOptions {
  color: boolean;
}

const MAX_SKIPPED_SHOWN = 5;

export function formatStylish(r: LintReport, o: StylishOptions = { color: false }): string {
  const c = (code: string, s: string) => (o.color ? `\u001b[${code}m${s}\u001b[0m` : s);
  const out: string[] = [];
  const byFile = new Map<string, LintFinding[]>();
  for (const f of r.findings) {
    const list = byFile.get(f.file) ?? [];
    list.push(f);
    byFile.set(f.file, list);
  }
  for (const [file, list] of byFile) {
    out.push(c('4', visible(file)));
    const pos = list.map((f) => `${f.line}:${f.col}`);
    // Not Math.max(...): a file may have more findings than a call takes arguments.
    const w = pos.reduce((m, p) => Math.max(m, p.length), 0);
    list.forEach((f, i) => {
      const sev = f.severity === 'error' ? c('31', 'error') : c('33', 'warn ');
      out.push(`  ${(pos[i] ?? '').padEnd(w)}  ${sev}  ${visible(f.message)}  ${c('2', visible(f.rule))}`);
      const pad = ' '.repeat(w + 11);
      if (f.match !== undefined) out.push(`${pad}${c('2', 'found:')} ${shownMatch(f.match)}`);
      out.push(`${pad}${c('2', 'fix:')} ${visible(f.fix)}`);
    });
    out.push('');
  }
  const halted = r.rules.filter((x) => x.halt_reason !== undefined);
  // Rules halted for one reason (outside a repository: every rule) are one line, not a wall.
  const byReason = new Map<string, string[]>();
  for (const h of halted) {
    const why = `(${h.halt_reason ?? 'error'}): ${visible(h.reason ?? h.title)}`;
    byReason.set(why, [...(byReason.get(why) ?? []), visible(h.id)]);
  }
  for (const [why, ids] of byReason) out.push(`${c('35', 'halt')}  ${ids.join(', ')} ${why}`);
  if (halted.length) out.push('');
  if (r.files.skipped.length) {
    const shown = r.files.skipped.slice(0, MAX_SKIPPED_SHOWN).map((s) => `${visible(s.path)} (${visible(s.reason)})`);
    const more = r.files.skipped.length - shown.length;
    out.push(
      `note: ${r.files.skipped.length} ${r.files.skipped.length === 1 ? 'file was' : 'files were'} not read: ${shown.join(', ')}${more > 0 ? `, and ${more} more (see --json)` : ''}`,
    );
  }
  const before = r.rules.reduce((n, x) => n + (x.reported_before ?? 0), 0);
  if (before) {
    out.push(
      `note: ${before} ${before === 1 ? 'finding' : 'findings'} about the whole tree ${before === 1 ? 'was' : 'were'} reported above, by this hook's run over an earlier share of the files`,
    );
  }
  const errors = r.findings.filter((f) => f.severity === 'error').length;
  const warnings = r.findings.length - errors;
  const scope = describeScope(r);
  const counts = `${r.findings.length} ${r.findings.length === 1 ? 'problem' : 'problems'} (${errors} ${errors === 1 ? 'error' : 'errors'}, ${warnings} ${warnings === 1 ? 'warning' : 'warnings'})`;
  const tail = `${r.rules.length} ${r.rules.length === 1 ? 'rule' : 'rules'}, ${r.files.checked} of ${r.files.in_scope} ${r.files.in_scope === 1 ? 'file' : 'files'} checked (${scope})`;
  const head =
    r.verdict === 'fail'
      ? c('31', `✖ ${counts}`)
      : r.verdict === 'halt'
        ? c('35', `■ halt: ${halted.length} ${halted.length === 1 ? 'rule' : 'rules'} could not be checked; ${counts}`)
        : c('32', `✔ ${r.findings.length ? counts : 'no problems'}`);
  out.push(`${head} · ${tail}`);
  return `${out.join('\n')}\n`;
}

export function describeScope(r: LintReport): string {
  switch (r.scope.kind) {
    case 'tree':
      return r.scope.passed === undefined ? 'whole tree' : `working tree: ${hookPassed(r.scope.passed)}`;
    case 'staged':
      return r.scope.passed === undefined ? 'staged changes' : `staged changes: ${hookPassed(r.scope.passed)}`;
    case 'changed':
      return `changed since ${visible(r.scope.since ?? '?')}${r.scope.base ? ` (merge base ${r.scope.base.slice(0, 12)})` : ''}`;
    case 'paths':
      return `paths ${visible((r.scope.paths ?? []).join(' '))}`;
    case 'commit': {
      // A revision that names no commit is shown as given.
      const at = `commit ${r.scope.commit?.slice(0, 12) ?? visible(r.scope.rev ?? '?')}`;
      if (r.scope.since === undefined) return at;
      return `${at}, changed since ${visible(r.scope.since)}${r.scope.base ? ` (merge base ${r.scope.base.slice(0, 12)})` : ''}`;
    }
  }
}

/** The files a hook manager passed (--hook-files); a long list comes over several runs. */
function hookPassed(n: number): string {
  return `the ${n} ${n === 1 ? 'file' : 'files'} the hook passed`;
}

/**
 * A match as the report shows it. One of blanks alone (trailing whitespace) would look like
 * nothing was found, as an empty match would (which shows its line instead): quoted, and counted.
 */
function shownMatch(m: string): string {
  if (m.trim() !== '') return visible(m);
  const n = Array.from(m).length;
  const what = /^ +$/.test(m) ? (n === 1 ? 'space' : 'spaces') : n === 1 ? 'blank character' : 'blank characters';
  return `"${visible(m)}" (${n} ${what})`;
}
