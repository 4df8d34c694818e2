import { readFileSync, realpathSync, statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { parseRef, refuseNonCommit, RfcCommand } from '../../cli/rfc-command.js';
import type { CitationClaim } from '../../cite/spec.js';
import type { CiteReport } from '../../cite/verify.js';
import { CITE_FORMATS, type CiteFormat } from '../../formatters/cite/names.js';
import { inertCommands } from '../../formatters/visible.js';
import type { GitRepo } from '../../sources/git/repo.js';
import { UsageError } from '../../spec/problems.js';
import { listRfcIds } from '../../spec/rfc-dir.js';
import { fetchAdvice } from '../../util/git-ref.js';
import { specialKind } from '../../util/special-file.js';
import { decodeUtf8 } from '../../util/utf8.js';
import { replaceWhole } from '../../util/new-file.js';

export default class CiteVerify extends RfcCommand {
  static override summary = 'Check every code citation of an RFC document against the tree at a ref.';
  static override description = `Finds the code citations of a Markdown document (default: the RFC's document in rfc.yaml) — path:line, path:a-b, path:a,b,c and path::symbol, in code spans or plain text, with or without their folder; GitHub's path#L12 and path#L12-L20, also as a link or image target or a reference link's definition ([h]: src/a.py#L12, one citation however many links use it; also when its target is on the next line of a block quote); and GitHub or GitLab blob URLs to the origin remote's repository (checked at --ref; one pinning another commit says so) (a bare file name resolves when exactly one file in the tree has it) — and checks each against the tree of --ref. Where the sentence around a citation names a function, a call or a constant, or citations.yaml declares what the lines hold, the check looks for it: at the cited lines VERIFIED, elsewhere in the file DRIFT (with the lines where it now is), nowhere REFUTED. A citation with nothing to check is SOURCE_ONLY; a file that is not in the tree is NOT_FOUND; a bare name matching several files is AMBIGUOUS (with the candidates). Fenced and indented code blocks, and struck-out text (~~a.py:3~~), are not read.

--fix prints a unified diff rewriting each DRIFT citation to its new lines, in its own syntax (a blob URL pinning another commit is left to fix by hand); --write applies it, leaving every other byte of the document as it was, and reports the document as written.

EXIT CODES
  0  every citation is VERIFIED or SOURCE_ONLY (after --write: once the fixes are applied)
  1  at least one citation is DRIFT, REFUTED, NOT_FOUND or AMBIGUOUS
  2  the tree could not be read (not a git repository, no commits, --ref does not exist, a cited file is in a submodule that is not checked out)
  3  the invocation is invalid (no such document, a document that is not UTF-8, a document edited while --write checked it, an unknown --since ref, a --ref naming a tree or a blob, a bad flag or spec)`;
  static override examples = [
    '<%= config.bin %> cite verify',
    '<%= config.bin %> cite verify rfcs/wave3.md --ref main --format sarif > citations.sarif',
    '<%= config.bin %> cite verify --since origin/main~1',
    '<%= config.bin %> cite verify --fix --write',
  ];

  static override args = {
    // ignoreStdin: without it oclif reads piped stdin as the document's path.
    document: Args.string({
      description: "Markdown document to check (default: the RFC's document in rfc.yaml).",
      ignoreStdin: true,
    }),
  };

  static override flags = {
    ref: Flags.string({ description: 'Check against the tree of this ref.', default: 'HEAD' }),
    since: Flags.string({
      description:
        'Only citations whose cited file changed between this ref and --ref, or that the document did not hold at this ref.',
    }),
    fix: Flags.boolean({ description: 'Show a unified diff rewriting each DRIFT citation to its new lines.' }),
    write: Flags.boolean({ description: 'Apply the --fix rewrite to the document (implies --fix).' }),
    json: Flags.boolean({ description: 'Print the report as JSON (stable key order); = --format json.' }),
    format: Flags.string({
      description: 'Report format: table, json, sarif (located at each citation in the document) or markdown.',
      options: [...CITE_FORMATS],
    }),
  };

  async run(): Promise<CiteReport> {
    const { args, flags } = await this.parse(CiteVerify);
    if (flags.json && flags.format && flags.format !== 'json') {
      throw new UsageError(`--json contradicts --format ${flags.format}; choose one`);
    }
    parseRef(flags.ref);
    // `--since "$BASE_SHA"` with the variable unset for this event: said as such, not as a ref to fetch.
    if (flags.since !== undefined) {
      parseRef(flags.since, '--since', 'the branch, tag or commit to compare with (e.g. origin/main)');
    }
    const format: CiteFormat = flags.json ? 'json' : ((flags.format as CiteFormat | undefined) ?? 'table');
    const root = this.findRoot(flags.root);
    const { claims, rfcDocument } = await this.spec(root, flags.rfc, args.document === undefined);
    const given = args.document ?? rfcDocument;
    if (!given) throw new UsageError('no document: name one (cite verify rfcs/x.md) or set document in rfc.yaml');
    const abs = args.document ? resolve(args.document) : resolve(root, given);
    const shown = relative(process.cwd(), abs) || abs;
    let bytes: Buffer;
    try {
      // Never opened unless it is a file: reading a named pipe waits for a writer that may never come.
      const kind = statSync(abs);
      if (kind.isDirectory()) throw new UsageError(`the document ${shown} is a folder: name the Markdown file`);
      const special = specialKind(kind);
      if (special) throw new UsageError(`the document ${shown} is ${special}, not a file: not read`);
      bytes = readFileSync(abs);
    } catch (e) {
      if (e instanceof UsageError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      throw new UsageError(
        `cannot read the document ${shown}: ${code === 'ENOENT' || code === 'ENOTDIR' ? 'no such file' : (code ?? String(e))}`,
      );
    }
    // Read leniently, a byte that is not UTF-8 became U+FFFD, and --write wrote that back in
    // place of every such byte of the document.
    const read = decodeUtf8(bytes);
    if (!read.ok) {
      const { line, col, detail } = read.problem;
      throw new UsageError(`${shown}:${line}:${col}: ${detail}`);
    }
    const text = read.text;
    // The verifier, git and the formatters are loaded once the invocation is known to be good:
    // a bad flag, ref or document is refused without them.
    const [
      { applyFixes },
      { claimsFor },
      { citeExitCode, haltedCiteReport, verifyCitations },
      { formatCite },
      { anchor, gitFailure, REF_FLAG },
      { GitRepo },
    ] = await Promise.all([
      import('../../cite/fix.js'),
      import('../../cite/spec.js'),
      import('../../cite/verify.js'),
      import('../../formatters/cite/index.js'),
      import('../../sources/git/common.js'),
      import('../../sources/git/repo.js'),
    ]);
    const repo = new GitRepo(root);
    const st = await repo.state();
    const document = toPosix(relative(st.kind === 'repo' ? st.root : root, abs));
    // The ref is --ref's (HEAD by default): a missing one is said as that flag's to fix, not a spec's.
    const at = await anchor(repo, flags.ref, new Date(), { history: false, from: REF_FLAG });
    let report: CiteReport;
    let since: { ref: string; sha: string } | undefined;
    if (!at.ok) {
      // A tree or a blob (main^{tree}, main:src) is no ref to fetch: the wrong kind of name.
      refuseNonCommit(root, flags.ref, '--ref');
      const o = at.outcome;
      report = haltedCiteReport(document, flags.ref, o.status === 'halt' ? o.reason : 'the tree could not be read');
    } else {
      if (flags.since !== undefined) {
        if (!(await repo.refExists(flags.since))) {
          // A tree or a blob (main^{tree}, main:src) is no commit to fetch: the wrong kind of name.
          refuseNonCommit(root, flags.since, '--since');
          throw new UsageError(await sinceMissing(repo, flags.since));
        }
        const s = await repo.resolveAsOf(flags.since, new Date());
        if (!s) throw new UsageError(`--since '${flags.since}' is not a commit in this repository`);
        since = { ref: flags.since, sha: s.sha };
      }
      try {
        report = await verifyCitations({
          document,
          text,
          repo,
          ref: flags.ref,
          sha: at.anchor.commit.sha,
          declared: claimsFor(claims, document, rfcDocument),
          ...(since ? { since } : {}),
        });
      } catch (e) {
        if (e instanceof UsageError) throw e;
        // git failed reading the tree (a partial clone cut off from its remote): not the invocation's fault.
        report = haltedCiteReport(
          document,
          flags.ref,
          `the tree of '${flags.ref}' could not be read: ${gitFailure(e)}`,
        );
      }
    }
    const tty = { color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR, width: process.stdout.columns };
    const fixed =
      (flags.fix || flags.write) && report.verdict !== 'halt' ? applyFixes(document, text, report) : undefined;
    const writing = flags.write && fixed !== undefined && fixed.fixed > 0;
    // The fixes are of the document as read before the tree was: an edit saved meanwhile (an
    // editor, another run) would be written over and lost without a word.
    if (writing && !unchangedSince(abs, bytes)) {
      throw new UsageError(`${shown} changed while its citations were checked: nothing written; run cite verify again`);
    }
    // Once --write applied fixes, the report printed is of the document as written, as the exit
    // code is: the one before them would still show the citations just corrected as failing.
    if (!writing) process.stdout.write(formatCite(report, format, tty));
    let printed = report;
    if (fixed) {
      // The diff goes to stderr when stdout carries a machine-readable report.
      const out = format === 'table' ? process.stdout : process.stderr;
      if (fixed.fixed === 0) out.write('--fix: no DRIFT citation with a correction; nothing to change\n');
      // The document's lines, quoted as context or changed: inert in a CI log, as on stderr.
      else out.write(inertCommands(fixed.patch));
      if (writing) {
        writeInPlace(abs, fixed.text);
        out.write(`wrote ${fixed.fixed} correction${fixed.fixed === 1 ? '' : 's'} to ${document}\n`);
        if (at.ok) {
          printed = await verifyCitations({
            document,
            text: fixed.text,
            repo,
            ref: flags.ref,
            sha: at.anchor.commit.sha,
            declared: claimsFor(claims, document, rfcDocument),
            // The same citations as the report: with --since, those left out do not decide the exit.
            ...(since ? { since } : {}),
          });
        }
        process.stdout.write(formatCite(printed, format, tty));
      }
    }
    process.exitCode = citeExitCode(printed);
    return printed;
  }

  /** The RFC's declared claims and document; with an explicit document, running outside an RFC is fine. */
  private async spec(
    root: string,
    rfcFlag: string | undefined,
    required: boolean,
  ): Promise<{ claims?: CitationClaim[]; rfcDocument?: string }> {
    // Outside any RFC (no gates/ here), a named document is checked without declared claims.
    if (!required && !rfcFlag && listRfcIds(root).length === 0) return {};
    const id = this.chooseRfc(root, rfcFlag);
    const { loadRfc } = await import('../../spec/load.js');
    const rfc = loadRfc(root, id);
    return {
      ...(rfc.citations ? { claims: rfc.citations } : {}),
      ...(rfc.manifest.document ? { rfcDocument: rfc.manifest.document } : {}),
    };
  }
}

/**
 * Replaces a file's content through a temporary file renamed over it, so a reader never sees
 * half a document. The rename goes to the file a symbolic link points to (renamed over the
 * link, it would replace the link by a copy and leave the real document unfixed), and the
 * file keeps its permissions; a failed write leaves no temporary file behind.
 */
function writeInPlace(path: string, text: string): void {
  const target = realpathSync(path);
  replaceWhole(target, text, { chmod: statSync(target).mode & 0o7777 });
}

/** Whether the file at `path` still holds `bytes` (a document that is gone holds nothing). */
function unchangedSince(path: string, bytes: Buffer): boolean {
  try {
    return readFileSync(path).equals(bytes);
  } catch {
    return false;
  }
}

function toPosix(p: string): string {
  return p.split('\\').join('/');
}

/**
 * Why --since names no commit here, and how to get it: a pull request's checkout is shallow and
 * holds no branch but its own, so the base is the usual ref it lacks (HEAD~1 past a cut history,
 * main with only origin/main here, a base commit not fetched).
 */
async function sinceMissing(repo: GitRepo, since: string): Promise<string> {
  const st = await repo.state();
  if (st.kind !== 'repo') return `--since '${since}' is not a commit in this repository`;
  const { revisionHalt } = await import('../../sources/git/common.js');
  const expression = await revisionHalt(repo, since, st.shallow, '(fix --since)');
  if (expression !== undefined) return `--since ${expression}`;
  return `--since '${since}' is not a commit in this clone; ${fetchAdvice(st.root, since, { flag: '--since', fix: 'fix --since' })}`;
}
