import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { MAX_TIMEOUT_SECONDS, parseAsOf, parseRef, refuseNonCommit, RfcCommand } from '../cli/rfc-command.js';
import { formatWords } from '../cli/json-error.js';
import { type FormatOutput, keptFiles, namesFromTop, parseFormatFlags, writeReports } from '../cli/format-flags.js';
import {
  LINT_FORMAT_NAMES as LINT_FORMATS,
  type LintFormatName as LintFormat,
  lintFormatter,
} from '../formatters/lint/load.js';
import { DEFAULT_MAX_FILE_BYTES } from '../lint/limits.js';
import type { LintReport } from '../lint/report.js';
import type { LintRunOptions } from '../lint/run.js';
import { argvNames } from '../lint/names.js';
import type { ScopeInfo, ScopeRequest, Snapshot } from '../lint/scopes.js';
import { UsageError } from '../spec/problems.js';

export default class Lint extends RfcCommand {
  static override summary =
    "Check the RFC's pre-merge lint rules (lints.yaml) on the tree, the staged change or a diff.";
  static override description = `Runs every rule of gates/<rfc>/lints.yaml: forbid (a pattern that must not appear, with allow-listed paths), require (a file that must exist once a trigger path does), order (the ordering guard, read from git) and helper_only (a construction allowed only through a named helper). Each file in scope is read once and every rule that applies runs on it; .gitignore is respected; binary files and files over --max-file-size are skipped with a note.

Scopes: the whole tree (default, for CI); --staged: the index, exactly what the commit will contain (what the git hook runs); --changed-since <ref>: the files changed since the merge base with <ref> (a PR's diff); --commit <rev>: the files as committed in <rev>, not the working tree (with --changed-since, those changed since the merge base; what the pre-push hook runs); or explicit paths; or --hook-files <files>, what the pre-commit framework passes: checked as staged on a commit, and as the working tree's on pre-commit run --all-files. Globs are always checked against the whole tree, so an include glob that matches no file halts the rule and names the glob (unless the rule says may_match_nothing: true, for a path still to be created). A waiver (an allow entry with expires) past its date no longer applies and is itself an error.

EXIT CODES
  0  no error finding (warnings may be shown)
  1  at least one error finding, including an expired waiver
  2  no error finding, but at least one rule could not be checked (an include glob matched no file, an exclude removed every included file, a helper_only modules glob matched no file, git could not answer or lacks the ref named, a file it applies to could not be read)
  3  the spec or the invocation is invalid (bad YAML or regex, unknown measurement, bad flag, a path that does not exist, an empty --changed-since, --commit or --ref, or one with whitespace around it, starting with '-' or naming a tree or a blob)`;
  static override examples = [
    '<%= config.bin %> lint',
    '<%= config.bin %> lint --staged',
    '<%= config.bin %> lint --changed-since origin/main --format github',
    '<%= config.bin %> lint --format sarif=lint.sarif --format junit=lint.xml',
    '<%= config.bin %> lint src/audit elixir/',
  ];

  static override strict = false;
  static override args = {
    // ignoreStdin: otherwise oclif takes piped stdin (a pre-push hook's ref list) as the paths.
    paths: Args.string({
      description: 'Files or folders to check (default: the whole tree).',
      required: false,
      ignoreStdin: true,
    }),
  };

  static override flags = {
    staged: Flags.boolean({
      description: 'Check the staged changes: file contents from the index, not the working tree.',
      exclusive: ['changed-since', 'commit'],
    }),
    'changed-since': Flags.string({
      description:
        'Check the files changed since the merge base of this ref and HEAD, or the --commit (e.g. origin/main).',
      exclusive: ['staged'],
    }),
    'hook-files': Flags.boolean({
      description:
        "The paths are the files a hook manager passes (the pre-commit framework's pass_filenames): when each is staged (a commit), those files of the staged change are checked, as --staged checks them (with none passed, the whole staged change); otherwise (pre-commit run --all-files) those files of the working tree, judged as the whole tree is. Under the framework (PRE_COMMIT=1), a file passed that differs from the index means nothing was set aside (--all-files, --files): the working tree's then, even when each file passed is staged.",
      exclusive: ['staged', 'changed-since', 'commit'],
    }),
    commit: Flags.string({
      description:
        'Check the files as committed in this commit instead of the working tree (all of them, or with --changed-since those changed since the merge base); what the pre-push hook runs for each pushed commit.',
      exclusive: ['staged'],
    }),
    json: Flags.boolean({ description: 'Print the report as JSON (stable key order); = --format json.' }),
    format: Flags.string({
      description: `Report format: ${LINT_FORMATS.join(', ')}; name=file writes a file. Repeatable.`,
      multiple: true,
      // One value per --format: the paths after it are paths, not more formats.
      multipleNonGreedy: true,
    }),
    'as-of': Flags.string({
      description:
        'The day waivers are judged against and the instant the order rule reads history as of (to the millisecond; default now).',
    }),
    ref: Flags.string({ description: 'The ref whose history the order rule reads (default HEAD).', default: 'HEAD' }),
    'max-file-size': Flags.integer({
      description: 'Files larger than this many bytes are skipped with a note.',
      default: DEFAULT_MAX_FILE_BYTES,
      min: 1,
    }),
    rg: Flags.boolean({
      description:
        'Screen working-tree files with ripgrep (rg on PATH, or the binary RFCGATE_RG names) and read only those it cannot clear; --no-rg (or RFCGATE_RG=0) reads every file. The report is the same either way.',
      allowNo: true,
    }),
    timeout: Flags.integer({
      description: 'Seconds the order rule may wait for git.',
      default: 60,
      min: 1,
      max: MAX_TIMEOUT_SECONDS,
    }),
  };

  protected override failureOutputs(): FormatOutput<LintFormat>[] {
    const { values, json } = formatWords(this.argv);
    return parseOutputs(values, json);
  }

  async run(): Promise<LintReport> {
    if (this.argv.includes('--hook-files')) {
      const { hookFileArgv } = await import('../lint/hook-argv.js');
      this.argv = hookFileArgv(this.argv, { ...Lint.baseFlags, ...Lint.flags });
    }
    const { flags, argv, metadata } = await this.parse(Lint);
    // The rules' reader, git's listing and the scan are loaded once the command line is
    // accepted: a bad flag is refused without them (test/cli/bundle.test.ts).
    const [{ LINTS_FILE, loadLints }, { lintExitCode }, { runLint }, { rgBinary }, { openSnapshot }, { rootPrefix }] =
      await Promise.all([
        import('../lint/load.js'),
        import('../lint/report.js'),
        import('../lint/run.js'),
        import('../lint/rg-binary.js'),
        import('../lint/scopes.js'),
        import('../util/repo-prefix.js'),
      ]);
    // A path whose name is not UTF-8 is matched against git's listing by its bytes.
    const paths = argvNames(argv as string[]);
    const outputs = parseOutputs(flags.format, flags.json);
    // A day to come is allowed: which waivers will have expired by then.
    const asOf = parseAsOf(flags['as-of'], new Date(), { future: true });
    // Refused here (exit 3) as gate check refuses its --ref: git would otherwise read '-x' as
    // an option, and an empty CI variable would halt every rule on a ref '' (exit 2).
    const since =
      flags['changed-since'] === undefined
        ? undefined
        : parseRef(
            flags['changed-since'],
            '--changed-since',
            'the branch, tag or commit to diff against (e.g. origin/main)',
          );
    if (flags.commit !== undefined) parseRef(flags.commit, '--commit', 'the commit to check');
    parseRef(flags.ref, '--ref', 'the branch, tag or commit whose history the order rule reads (default HEAD)');
    const root = this.findRoot(flags.root);
    // Of several RFCs, the one with lint rules needs no --rfc.
    const id = this.chooseRfc(root, flags.rfc, LINTS_FILE);
    if (paths.length && !flags['hook-files'] && (flags.staged || flags['changed-since'] || flags.commit)) {
      throw new UsageError('paths cannot be combined with --staged, --changed-since or --commit; choose one scope');
    }
    // The pre-commit framework splits a long list over several runs of the hook, which learn
    // from each other (hook-run.ts).
    const run =
      flags['hook-files'] && paths.length && process.env.PRE_COMMIT === '1'
        ? (await import('../lint/hook-run.js')).oncePerRun(root, id, paths)
        : undefined;
    const scope: ScopeRequest = flags['hook-files']
      ? { kind: 'hook', files: paths, ...(run ? { followsTree: run.followsTree } : {}) }
      : flags.staged
        ? { kind: 'staged' }
        : flags.commit !== undefined
          ? { kind: 'commit', rev: flags.commit, ...(since !== undefined ? { since } : {}) }
          : since !== undefined
            ? { kind: 'changed', since }
            : paths.length
              ? { kind: 'paths', paths }
              : { kind: 'tree' };

    // A run that stops before its report is filed under the category the report would have had.
    // Named paths and a hook's files are a scope of their own only once git has listed them.
    if (scope.kind !== 'hook' && scope.kind !== 'paths' && outputs.some((o) => o.format === 'sarif')) {
      const { lintSarifCategory } = await import('../formatters/lint/sarif.js');
      const info: ScopeInfo = scope;
      this.failureCategory = (prefix) => lintSarifCategory({ rfc: id, scope: info }, prefix);
    }
    // git lists the files while lints.yaml is parsed and checked.
    const listing = openSnapshot(root, scope);
    // Awaited below; if the spec is bad first, its own failure must not go unhandled.
    listing.catch(() => undefined);
    let { rules } = await loadLints(root, id);
    const bin = flags.rg === false ? undefined : rgBinary();
    // For the whole tree, rg walks it while git is still listing it. Loaded only then: the
    // regex parser it brings is not needed by --staged.
    const search =
      bin !== undefined && scope.kind === 'tree'
        ? (await import('../lint/prefilter.js')).rgSearch(bin, root, rules, flags['max-file-size'])
        : undefined;
    const snapshot = await listing;
    // A --changed-since or --commit naming a tree or a blob (main^{tree}, main:src) is no ref
    // missing from the clone, to fetch: it is the wrong kind of name, an invalid invocation.
    // Asked only once git could not use it, so a run that works starts no more git.
    if (snapshot.halt) {
      if (since !== undefined) refuseNonCommit(root, since, '--changed-since');
      if (flags.commit !== undefined) refuseNonCommit(root, flags.commit, '--commit');
    }
    const opts: LintRunOptions = { rfc: id, rules, snapshot, asOf, maxFileBytes: flags['max-file-size'] };
    if (bin !== undefined) opts.rg = { bin, ...(search ? { search } : {}) };
    // Each finding about the whole tree is reported by one share of the run. Not when a report
    // goes to a file, which each share writes anew: the last one's must hold it.
    const once = run && outputs.every((o) => !o.file) ? run : undefined;
    if (once) opts.once = once;
    const rgFrom = Number(process.env.RFCGATE_LINT_RG_FROM);
    if (opts.rg && Number.isInteger(rgFrom) && rgFrom >= 0) opts.rg.from = rgFrom;
    // How many files to read before a second thread helps; tests set it low to exercise the split.
    const parallelFrom = Number(process.env.RFCGATE_LINT_PARALLEL_FROM);
    if (Number.isInteger(parallelFrom) && parallelFrom > 0) opts.parallelFrom = parallelFrom;
    // The order rule's paths are git's, from the repository's top; the change's are from root.
    const prefix = rules.some((r) => r.kind === 'order') ? rootPrefix(root) : '';
    for (const r of rules) {
      if (r.kind !== 'order') continue;
      const paths = await orderPaths(root, id, r.measurement, snapshot, prefix);
      if (paths) (opts.skipOrder ??= new Map()).set(r.id, `the change does not touch ${paths.join(', ')}`);
    }
    if (rules.some((r) => r.kind === 'order' && !opts.skipOrder?.has(r.id)) && !snapshot.halt) {
      // The order rule reads measurements and prereqs: only then is the whole RFC loaded.
      const { loadRfc } = await import('../spec/load.js');
      const { GitRepo } = await import('../sources/git/repo.js');
      const { REF_FLAG } = await import('../sources/git/common.js');
      const rfc = loadRfc(root, id);
      rules = rfc.lints ?? rules;
      opts.rules = rules;
      opts.order = {
        repo: new GitRepo(root),
        root,
        prefix,
        ref: flags.ref,
        // oclif fills --ref with HEAD when it is not given: only a typed one is the flag's to check.
        ...(metadata.flags.ref?.setFromDefault ? {} : { refFrom: REF_FLAG }),
        manifest: rfc.manifest,
        measurements: rfc.measurements,
        timeoutMs: flags.timeout * 1000,
      };
    }
    const report = await runLint(opts);
    run?.save({ tree: snapshot.info.kind === 'tree', reported: once !== undefined });
    if (opts.order && report.rules.some((r) => r.kind === 'order' && r.verdict === 'halt')) {
      refuseNonCommit(root, flags.ref, '--ref');
    }
    const fromTop = namesFromTop(outputs) ? (opts.order?.prefix ?? rootPrefix(root)) : '';
    const keptIn = keptFiles(outputs, 'github');
    await writeReports(outputs, async (format, toFile) =>
      (await lintFormatter(format))(report, {
        color: !toFile && process.stdout.isTTY === true && !process.env.NO_COLOR,
        prefix: fromTop,
        ...(format === 'github' && keptIn.length ? { keptIn } : {}),
      }),
    );
    process.exitCode = lintExitCode(report);
    return report;
  }
}

/**
 * In a change scope an order rule runs only when the change touches its guarded path: the
 * guarded paths when it surely does not (so the RFC need not be loaded), else undefined.
 */
async function orderPaths(
  root: string,
  id: string,
  measurement: string,
  snap: Snapshot,
  prefix: string,
): Promise<string[] | undefined> {
  const [{ isChange }, { guardedPathsHint }, { matcher }] = await Promise.all([
    import('../lint/run.js'),
    import('../lint/load.js'),
    import('../lint/globs.js'),
  ]);
  if (!isChange(snap.info)) return undefined;
  const paths = await guardedPathsHint(root, id, measurement);
  if (!paths) return undefined;
  const m = matcher(paths);
  return snap.targets.some((f) => m(prefix + f)) ? undefined : paths;
}

function parseOutputs(values: string[] | undefined, json: boolean): FormatOutput<LintFormat>[] {
  return parseFormatFlags(values, json, { names: LINT_FORMATS, fallback: 'stylish', what: 'a lint format' });
}
