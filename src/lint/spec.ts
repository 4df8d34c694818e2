/**
 * Reads lints.yaml (already schema-checked) into LintRules: exactly one kind per rule,
 * duplicate ids, regexes compiled once (a bad one is a spec error at its position), globs
 * that can never match, waiver dates, and `order` rules pointing at a git measurement of
 * the ordering-guard kind.
 */
import { type AST, RegExpParser, visitRegExpAST } from '@eslint-community/regexpp';
import type { SourceLocation } from '../model/result.js';
import type { Problem } from '../spec/problems.js';
import type { MeasurementSpec } from '../spec/types.js';
import { keyLocation, type ParsedYaml, valueLocation, writtenId } from '../spec/yaml.js';
import { escapeRegex, regexMistake } from '../util/escape-regex.js';
import type { BacktrackCheck } from './backtracking.js';
import { runsInLinearTime } from './linear.js';
import { globProblem } from './globs.js';
import { isCalendarDate } from '../util/calendar.js';

export const RULE_KINDS = ['forbid', 'require', 'order', 'helper_only'] as const;
export type RuleKind = (typeof RULE_KINDS)[number];
export type Severity = 'error' | 'warn';

export interface Waiver {
  /** The path or glob exempted; every kind but `order`. */
  path?: string;
  /** `order` only: a commit id (lower-case, 7+ hex digits) the guard passes over. */
  commit?: string;
  reason: string;
  /** YYYY-MM-DD: the last day the waiver applies. */
  expires?: string;
  location: SourceLocation;
}

interface RuleBase {
  id: string;
  title: string;
  section?: string;
  severity: Severity;
  message: string;
  fix: string;
  allow: Waiver[];
  location: SourceLocation;
}

/** The file globs of a rule that reads contents. */
interface ContentGlobs {
  include: string[];
  /** Where each include glob is written, in the same order: a glob that matches nothing is fixed there. */
  includeAt: SourceLocation[];
  exclude: string[];
  /** An include glob may match nothing yet (a path still to be created): it checks nothing then, rather than halting. */
  mayMatchNothing: boolean;
}

export interface ForbidRule extends RuleBase, ContentGlobs {
  kind: 'forbid';
  /** The regex source as run (literals escaped, the quote prefix added). */
  source: string;
  flags: string;
  /** With `quoted`, a match counts only right after a string's opening (in `source`, as a lookbehind). */
  quoted: boolean;
}

export interface RequireRule extends RuleBase {
  kind: 'require';
  when: string[];
  files: string[];
  pattern?: { source: string; flags: string };
}

export interface OrderRule extends RuleBase {
  kind: 'order';
  measurement: string;
  location: SourceLocation;
}

export interface HelperOnlyRule extends RuleBase, ContentGlobs {
  kind: 'helper_only';
  helper: string;
  modules: string[];
  source: string;
  flags: string;
}

export type LintRule = ForbidRule | RequireRule | OrderRule | HelperOnlyRule;

/** Rules that read file contents and produce findings at a line and column. */
export type ContentRule = ForbidRule | HelperOnlyRule;

export interface LintReadContext {
  /** The RFC's measurements, when they are loaded (spec validate, or a run that needs the order rule). */
  measurements?: Map<string, MeasurementSpec>;
  brokenMeasurements?: Set<string>;
  /** Set when measurements.yaml declares none: names read are gathered here, said once there. */
  undeclared?: Set<string>;
  problems: Problem[];
  warnings: Problem[];
  suggest: (word: string, candidates: string[]) => string;
  /** Collects the regexes V8 cannot run in linear time, for backtrackingProblems (backtracking.ts). */
  backtracking?: BacktrackCheck[];
}

const ORDER_QUERIES = new Set(['prereqs_before', 'order']);
/**
 * A literal's trailing `*`: any continuation of an event-type-like name. A dot continues it
 * only when a name part follows, as for a literal without it; one that ends a sentence is no
 * part of the name.
 */
const LITERAL_TAIL = '[A-Za-z0-9_*-]*(?:\\.[A-Za-z0-9_][A-Za-z0-9_*-]*)*';
/** A literal whose last `*` continues a name: the `*` follows a name's character, a dot or a dash. */
const NAME_CONTINUED = /[A-Za-z0-9_.-]\*$/;
/** A wildcard inside a name, as the pattern a spec error suggests: any run of name characters and dots. */
const NAME_WILDCARD = '[A-Za-z0-9_.*-]*';

interface RawRule {
  id: string;
  title: string;
  section?: string;
  severity: Severity;
  message: string;
  fix: string;
  allow?: { path?: string; commit?: string; reason: string; expires?: string }[];
  forbid?: {
    pattern?: string;
    literals?: string[];
    /** true: after ", ' or `; a string: after one of its characters. An Elixir sigil's opening counts either way. */
    quoted?: boolean | string;
    ignore_case?: boolean;
    include: string[];
    may_match_nothing?: boolean;
    exclude?: string[];
  };
  require?: { when: string[]; files: string[]; pattern?: string };
  order?: { measurement: string };
  helper_only?: {
    construct: string;
    helper: string;
    modules: string[];
    include: string[];
    may_match_nothing?: boolean;
    exclude?: string[];
  };
}

/**
 * A literal as a regex: a trailing `*` glued to a name stands for the rest of a dotted name.
 * Without it the literal is that name only, not the start or the end of a longer one
 * (`…divergence_resolved`, `…divergence.v2`); a dot that ends a sentence is no part of a name.
 * A `*` apart from a name (`SELECT *`, `count(*)`) is the text it says, as inside a literal.
 */
export function literalSource(lit: string): string {
  // Either way the literal starts a name: `a.*` is not the end of `my_a.x` or `pkg.a.x`.
  const start = /^[A-Za-z0-9_]/.test(lit) ? '(?<![A-Za-z0-9_*-]|[A-Za-z0-9_]\\.)' : '';
  if (NAME_CONTINUED.test(lit)) return `${start}${escapeRegex(lit.slice(0, -1))}${LITERAL_TAIL}`;
  const end = /[A-Za-z0-9_]$/.test(lit) ? '(?![A-Za-z0-9_*-]|\\.[A-Za-z0-9_])' : '';
  return `${start}${escapeRegex(lit)}${end}`;
}

export function readLints(
  y: ParsedYaml,
  items: (Record<string, unknown> | undefined)[],
  ctx: LintReadContext,
): LintRule[] {
  const out: LintRule[] = [];
  const firstAt = new Map<string, number>();
  items.forEach((raw, i) => {
    // Of every rule as written, the schema's rejects too: a copy is a duplicate whichever
    // of the two has its own problems, and one fix does not uncover the other.
    const id = raw ? raw.id : writtenId(y, i);
    if (typeof id === 'string') {
      const prior = firstAt.get(id);
      if (prior !== undefined) {
        const l = valueLocation(y, [prior]);
        ctx.problems.push({
          ...keyLocation(y, [i], 'id'),
          severity: 'error',
          message: `lint rule '${id}': duplicate rule id (first declared at ${l.file}:${l.line}:${l.col}); give each rule its own id`,
        });
        return;
      }
      firstAt.set(id, i);
    }
    if (!raw) return;
    const r = raw as unknown as RawRule;
    const err = (path: (string | number)[], message: string, key?: string) =>
      ctx.problems.push({
        ...(key ? keyLocation(y, [i, ...path], key) : valueLocation(y, [i, ...path])),
        severity: 'error',
        message: `lint rule '${r.id}': ${message}`,
      });
    const kinds = RULE_KINDS.filter((k) => r[k] !== undefined);
    if (kinds.length !== 1) {
      err(
        [],
        kinds.length === 0
          ? `has no kind: give exactly one of ${RULE_KINDS.join(', ')}`
          : `has ${kinds.length} kinds (${kinds.join(', ')}); a rule has exactly one`,
        kinds[1],
      );
      return;
    }
    const kind = kinds[0] as RuleKind;
    let ok = true;
    const checkGlobs = (path: (string | number)[], globs: string[] | undefined) => {
      (globs ?? []).forEach((g, j) => {
        const why = globProblem(g);
        if (why) {
          err([...path, j], `'${g}' can never match a repository path: ${why}`);
          ok = false;
        }
      });
    };
    const compile = (path: (string | number)[], source: string, flags: string): boolean => {
      let why: string | undefined;
      try {
        new RegExp(source, flags);
        why = flags.includes('u') ? undefined : unicodeOnlyEscape(source);
      } catch (e) {
        why = `not a valid regex: ${regexError(e as Error, source)}`;
      }
      if (why === undefined) return true;
      ctx.problems.push({
        ...valueLocation(y, [i, ...path]),
        severity: 'error',
        message: `lint rule '${r.id}': ${why}`,
      });
      ok = false;
      return false;
    };

    // After compile: a regex V8 could not rescue from backtracking is analysed by the caller.
    const backtracking = (path: (string | number)[], pattern: string, source: string, flags: string) => {
      if (ctx.backtracking && !runsInLinearTime(source, flags)) {
        ctx.backtracking.push({ rule: r.id, location: valueLocation(y, [i, ...path]), pattern, source, flags });
      }
    };

    const allow: Waiver[] = (r.allow ?? []).map((a, j) => ({
      ...(a.path !== undefined ? { path: a.path } : {}),
      ...(a.commit !== undefined ? { commit: a.commit.toLowerCase() } : {}),
      reason: prose(a.reason),
      ...(a.expires ? { expires: a.expires } : {}),
      location: valueLocation(y, [i, 'allow', j]),
    }));
    (r.allow ?? []).forEach((a, j) => {
      if (kind === 'order') {
        if (a.path !== undefined || a.commit === undefined)
          err(
            ['allow', j],
            `an order rule's allow entry names a commit, not a path: 'commit: <id>' of the mainline commit the guard passes over`,
            a.path !== undefined ? 'path' : undefined,
          );
      } else if (a.commit !== undefined || a.path === undefined) {
        err(
          ['allow', j],
          `allow entries of a ${kind} rule name a path or glob ('path: ...'); 'commit' is for order rules`,
          a.commit !== undefined ? 'commit' : undefined,
        );
      }
      const why = a.path !== undefined ? globProblem(a.path) : undefined;
      if (why) err(['allow', j, 'path'], `allow path '${a.path}' can never match a repository path: ${why}`);
      if (a.expires && !isYmdDate(a.expires)) {
        err(['allow', j, 'expires'], `expires '${a.expires}' is not a calendar date (YYYY-MM-DD)`);
      }
    });

    const base: RuleBase = {
      id: r.id,
      title: prose(r.title),
      ...(r.section ? { section: r.section } : {}),
      severity: r.severity,
      message: prose(r.message),
      fix: prose(r.fix),
      allow,
      location: valueLocation(y, [i]),
    };

    switch (kind) {
      case 'forbid': {
        const f = r.forbid as NonNullable<RawRule['forbid']>;
        if ((f.pattern === undefined) === (f.literals === undefined)) {
          err(['forbid'], 'forbid needs exactly one of pattern or literals');
          return;
        }
        checkGlobs(['forbid', 'include'], f.include);
        checkGlobs(['forbid', 'exclude'], f.exclude);
        (f.literals ?? []).forEach((lit, j) => {
          // Nothing but wildcards matches empty text: a finding on every line (or after every quote).
          if (/^\*+$/.test(lit)) {
            err(
              ['forbid', 'literals', j],
              `literal '${lit}' is only a wildcard, which matches any text (even none); write the name it stands in`,
            );
            ok = false;
          } else if (/[A-Za-z0-9_.-]\*(?!$)/.test(lit)) {
            // Only a trailing `*` continues a name: one glued to a name inside the literal
            // (`a.*.b`, `a.**`) would be an asterisk, which no event-type name holds, so the
            // literal would match nothing and the rule pass. An asterisk apart from a name
            // (`count(*)`, `SELECT * FROM`) is the text it says.
            err(
              ['forbid', 'literals', j],
              `literal '${lit}' has a '*' inside a name, which would match only an asterisk: a '*' continues a name only at the end; for a wildcard inside, write a pattern such as '${lit.split(/\*+/).map(escapeRegex).join(NAME_WILDCARD)}'`,
            );
            ok = false;
          }
        });
        const body = f.pattern ?? (f.literals ?? []).map(literalSource).join('|');
        if (f.pattern !== undefined && !compile(['forbid', 'pattern'], f.pattern, 'gm')) return;
        const dead = f.quoted && f.pattern !== undefined ? lineStartAlternative(f.pattern) : undefined;
        if (dead !== undefined) {
          err(
            ['forbid', 'pattern'],
            `with quoted, a match counts only right after a string's opening quote, where '^' never holds, so '${dead}' can never match; drop the '^' (quoted already ties the match to where a string opens)`,
          );
          return;
        }
        // The lookahead first: the lookbehind (which may look back across a word list) is then
        // tried only where the body matches, not at every position of the file.
        const quoted = f.quoted;
        let source = body;
        if (quoted) {
          const twice = quotedBodies(body);
          source = `(?=(?:${twice.ahead}))${stringOpening(quoted)}(?:${twice.main})`;
        }
        const flags = `gm${f.ignore_case ? 'i' : ''}`;
        if (!compile(['forbid'], source, flags)) return;
        if (f.pattern !== undefined) backtracking(['forbid', 'pattern'], f.pattern, source, flags);
        if (ok) {
          out.push({
            ...base,
            kind,
            include: f.include,
            includeAt: f.include.map((_, j) => valueLocation(y, [i, 'forbid', 'include', j])),
            exclude: f.exclude ?? [],
            mayMatchNothing: f.may_match_nothing ?? false,
            source,
            flags,
            quoted: Boolean(f.quoted),
          });
        }
        return;
      }
      case 'require': {
        const q = r.require as NonNullable<RawRule['require']>;
        checkGlobs(['require', 'when'], q.when);
        checkGlobs(['require', 'files'], q.files);
        if (q.pattern !== undefined && !compile(['require', 'pattern'], q.pattern, 'gm')) return;
        if (q.pattern !== undefined) backtracking(['require', 'pattern'], q.pattern, q.pattern, 'm');
        if (ok) {
          out.push({
            ...base,
            kind,
            when: q.when,
            files: q.files,
            ...(q.pattern !== undefined ? { pattern: { source: q.pattern, flags: 'm' } } : {}),
          });
        }
        return;
      }
      case 'order': {
        const o = r.order as NonNullable<RawRule['order']>;
        if (ctx.measurements) {
          const m = ctx.measurements.get(o.measurement);
          if (!m) {
            if (ctx.undeclared) ctx.undeclared.add(o.measurement);
            else if (!ctx.brokenMeasurements?.has(o.measurement)) {
              err(
                ['order', 'measurement'],
                `unknown measurement '${o.measurement}'${ctx.suggest(o.measurement, [...ctx.measurements.keys()])}; declare it in measurements.yaml`,
              );
            }
            return;
          }
          if (m.source !== 'git' || !ORDER_QUERIES.has(m.git.query)) {
            err(
              ['order', 'measurement'],
              `measurement '${o.measurement}' is a ${m.source === 'git' ? `git ${m.git.query}` : m.source} measurement; an order rule needs a git prereqs_before or order measurement`,
            );
            return;
          }
        }
        out.push({ ...base, kind, measurement: o.measurement, location: base.location });
        return;
      }
      case 'helper_only': {
        const h = r.helper_only as NonNullable<RawRule['helper_only']>;
        checkGlobs(['helper_only', 'modules'], h.modules);
        checkGlobs(['helper_only', 'include'], h.include);
        checkGlobs(['helper_only', 'exclude'], h.exclude);
        if (!compile(['helper_only', 'construct'], h.construct, 'gm')) return;
        backtracking(['helper_only', 'construct'], h.construct, h.construct, 'gm');
        if (ok) {
          out.push({
            ...base,
            kind,
            helper: h.helper,
            modules: h.modules,
            include: h.include,
            includeAt: h.include.map((_, j) => valueLocation(y, [i, 'helper_only', 'include', j])),
            exclude: h.exclude ?? [],
            mayMatchNothing: h.may_match_nothing ?? false,
            source: h.construct,
            flags: 'gm',
          });
        }
        return;
      }
    }
  });
  return out;
}

/**
 * Why V8 refused a regex, on one line: its message repeats the pattern, which may span lines
 * (a block scalar); a line break there is shown as the escape that means it. An inline flag
 * group is how other engines set flags; JavaScript has none, so the way here is said too.
 */
function regexError(e: Error, source: string): string {
  const why = regexMistake(e).replace(/\r\n|\r|\n/g, (b) => (b === '\n' ? '\\n' : b === '\r' ? '\\r' : '\\r\\n'));
  const inline = /\(\?-?[imsx]+(?:-[imsx]+)?[:)]/.exec(source);
  return inline
    ? `${why}: an inline flag group such as ${inline[0]} is not JavaScript; for case, a forbid rule takes ignore_case: true, and ^ and $ always match at line ends`
    : `${why}; fix the pattern (a literal ( or [ is written \\( or \\[)`;
}

/** A rule's regex as lint runs it (no u flag), or undefined when it does not parse: V8 reports that itself. */
function parsedPattern(source: string): AST.Pattern | undefined {
  try {
    return new RegExpParser({ ecmaVersion: 2025 }).parsePattern(source, 0, source.length, { unicode: false });
  } catch {
    return undefined;
  }
}

/**
 * A `\p{…}`, `\P{…}` or `\u{…}` escape, which only the u flag makes one: lint's regexes run
 * without it, where `\p{Lu}` is the text `p{Lu}` and `\u{41}` is 41 `u`s, so a rule
 * written with one would look for text no file holds, and pass.
 */
function unicodeOnlyEscape(source: string): string | undefined {
  const ast = parsedPattern(source);
  if (!ast) return undefined;
  let found: string | undefined;
  visitRegExpAST(ast, {
    onCharacterEnter(c) {
      if (found === undefined && /^\\[pPu]$/.test(c.raw) && source[c.end] === '{') {
        const close = source.indexOf('}', c.end);
        found = source.slice(c.start, close === -1 ? c.end + 1 : close + 1);
      }
    },
  });
  if (found === undefined) return undefined;
  // Without the u flag, {41} after \u is a count of u's; {1F600}, no count, is the text itself.
  const count = /^\\u\{\d+(,\d*)?\}$/.test(found);
  return found.startsWith('\\u')
    ? `'${found}' is a code point escape only with the u flag, which lint's regexes run without: here it ${count ? "means 'u' repeated" : `matches the text '${found.slice(1)}'`}; write the character itself or \\uXXXX`
    : `'${found}' is a Unicode property escape only with the u flag, which lint's regexes run without: here it matches the text '${found.slice(1)}'; write the characters as a class (such as [A-Z])`;
}

/**
 * The first top-level alternative of a pattern that can only match at a line's start (`^foo`,
 * `(?:^a|^b)c`), or undefined. Under `quoted` the match must follow a quote on its line, so
 * such an alternative never matches, and a rule made only of them passes whatever the files hold.
 */
function lineStartAlternative(source: string): string | undefined {
  const ast = parsedPattern(source);
  if (!ast) return undefined;
  const atStart = (alt: AST.Alternative): boolean => {
    const first = alt.elements[0];
    if (first?.type === 'Assertion') return first.kind === 'start';
    if (first?.type === 'Group' || first?.type === 'CapturingGroup') return first.alternatives.every(atStart);
    return false;
  };
  return ast.alternatives.find(atStart)?.raw;
}

/**
 * A rule's text as it is shown. A long one is naturally written as a YAML block scalar (`>` or
 * `|`), which keeps a final line break: every report would show it (`\n` after the fix, an
 * annotation's match on a line of its own).
 */
function prose(text: string): string {
  return text.replace(/[\r\n]+$/, '');
}

function isYmdDate(ymd: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(ymd);
  return m !== null && isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3]));
}

/**
 * The body twice, as `quoted` uses it: a lookahead copy, then the match itself. In one regex
 * the same group name twice is a syntax error, so the lookahead copy's names (and its
 * backreferences to them) are renamed; and the copy's groups come first, so a numbered
 * backreference of the match is moved past them (`\1` to `(?:\3)` after two groups; in a
 * group of its own, so a digit after it cannot join the number), and an octal escape, which
 * the doubled groups could turn into a backreference, is written in hex. Edited at the positions
 * regexpp parses, with the names as written (`\u0061` stays escaped).
 */
export function quotedBodies(body: string): { ahead: string; main: string } {
  let ast: AST.Pattern;
  try {
    ast = new RegExpParser({ ecmaVersion: 2025 }).parsePattern(body, 0, body.length, { unicode: false });
  } catch {
    return { ahead: body, main: body }; // not valid on its own: the compile that follows reports it
  }
  const ahead: { at: number; end: number; text: string }[] = [];
  const main: { at: number; end: number; text: string }[] = [];
  let groups = 0;
  const numbered: AST.Backreference[] = [];
  visitRegExpAST(ast, {
    onCapturingGroupEnter(g) {
      groups++;
      if (g.name) {
        const close = body.indexOf('>', g.start + 3);
        ahead.push({ at: close, end: close, text: '__ahead' });
      }
    },
    onBackreferenceEnter(b) {
      if (typeof b.ref === 'string') ahead.push({ at: b.end - 1, end: b.end - 1, text: '__ahead' });
      else numbered.push(b);
    },
    // A legacy octal escape (`\2` with fewer than two groups, `\02`) or `\8`: with the groups
    // doubled it could become a backreference, so both copies spell the character out.
    onCharacterEnter(c) {
      if (!/^\\\d/.test(c.raw)) return;
      const text = `\\x${c.value.toString(16).padStart(2, '0')}`;
      ahead.push({ at: c.start, end: c.end, text });
      main.push({ at: c.start, end: c.end, text });
    },
  });
  for (const b of numbered) main.push({ at: b.start, end: b.end, text: `(?:\\${Number(b.ref) + groups})` });
  const apply = (edits: typeof ahead) => {
    let out = body;
    for (const e of [...edits].sort((x, y) => y.at - x.at)) out = out.slice(0, e.at) + e.text + out.slice(e.end);
    return out;
  };
  return { ahead: apply(ahead), main: apply(main) };
}

/**
 * A lookbehind for the opening of a string literal: one of the quote characters (`true`: ",
 * ' or `), or an Elixir sigil (`~s(`, `~S|`, `~w[`): the literal itself is the finding. In a
 * word list (`~w(a b c)`) every word is a string, so a word after a space inside one counts too.
 * A docstring (Python's `"""` or `'''` first on its line, Elixir's `@doc "`) opens no literal.
 */
function stringOpening(quoted: true | string): string {
  const quotes = quoted === true ? `"'\`` : quoted;
  const chars = [...quotes].map((c) => (/[\\\]^-]/.test(c) ? `\\${c}` : c)).join('');
  const words = WORD_LIST_DELIMITERS.map(([open, close]) => `${open}[^${close}]*`).join('|');
  // A triple quote that opens its line (after a Python string prefix such as r) begins a
  // docstring, and so does Elixir's @doc "…" (@moduledoc, @typedoc, @shortdoc): prose, as a
  // comment is, even when its first word is the name.
  const docs = ['"', "'"].filter((q) => quotes.includes(q)).map((q) => `^[ \\t]*[rRuUbBfF]{0,2}${q.repeat(3)}`);
  if (quotes.includes('"')) docs.push('@(?:module|type|short)?doc[ \\t]+"');
  const docstring = docs.length ? `(?<!${docs.join('|')})` : '';
  return `(?<=[${chars}]|~[A-Za-z]+[("'/[{<|]|~[wW](?:${words})\\s)${docstring}`;
}

/** The delimiters an Elixir sigil may use, opening and closing. */
const WORD_LIST_DELIMITERS = [
  ['\\(', ')'],
  ['\\[', '\\]'],
  ['\\{', '}'],
  ['<', '>'],
  ['"', '"'],
  ["'", "'"],
  ['/', '/'],
  ['\\|', '|'],
] as const;
