import * as Flags from '@oclif/core/flags';
import { HOME_PROGRAM, PROGRAM_ENV } from '../../cli/program.js';
import { RfcCommand } from '../../cli/rfc-command.js';
import { EXIT } from '../../model/result.js';
import type { BacktrackCheck } from '../../lint/backtracking.js';
import type { LoadedRfc } from '../../spec/load.js';
import { listRfcIds } from '../../spec/rfc-dir.js';
import { formatProblem, type Problem, sortProblems, SpecError } from '../../spec/problems.js';
import { jsonReport } from '../../formatters/visible.js';
import { counted } from '../../util/counted.js';

/**
 * The counts are of what was loaded: a spec that did not load has no measurements or gates
 * known (they are left out, not 0), only the spec files found in its folder.
 */
type Validated =
  | { rfc: string; valid: true; files: number; measurements: number; gates: number; problems: Problem[] }
  | { rfc: string; valid: false; files?: number; measurements?: number; gates?: number; problems: Problem[] };

export default class SpecValidate extends RfcCommand {
  static override summary = 'Check the YAML specs of every RFC under gates/ (or one, with --rfc).';
  static override description = `Reports every problem at once as file:line:col: schema violations, duplicate ids, conditions naming unknown measurements, thresholds without a measurement source, expressions that do not parse or type-check, cycles between gates.

EXIT CODES
  0  every spec is valid (nothing is evaluated)
  3  the spec or the invocation is invalid`;
  // An example naming an RFC is written for rfcgate, whatever name runs --help: under an RFC's
  // own program name (wave3 …), --rfc naming another RFC is refused. Help marks only a line
  // starting with the running name as a command, hence the "$ ".
  static override examples = ['<%= config.bin %> spec validate', `$ ${HOME_PROGRAM} spec validate --rfc wave3 --json`];

  static override flags = {
    json: Flags.boolean({
      description:
        'Print the result as JSON: per RFC, rfc, valid, files, measurements, gates and problems. An RFC whose spec does not load has no measurements or gates counted (left out, not 0), only its spec files.',
    }),
  };

  async run(): Promise<Validated[]> {
    const { flags } = await this.parse(SpecValidate);
    const root = this.findRoot(flags.root);
    const program = process.env[PROGRAM_ENV];
    const explicit = flags.rfc ?? (program !== HOME_PROGRAM ? program : undefined);
    const ids = explicit !== undefined ? [this.chooseRfc(root, flags.rfc)] : listRfcIds(root);
    if (ids.length === 0) this.chooseRfc(root, undefined);
    const results = await Promise.all(ids.map((id) => validateOne(root, id)));
    if (flags.json) {
      process.stdout.write(jsonReport(results.map((r) => ({ ...r, problems: r.problems.map(problemJson) }))));
    } else {
      for (const r of results) {
        for (const p of r.problems) process.stderr.write(`${formatProblem(p)}\n`);
        const errors = r.problems.filter((p) => p.severity === 'error').length;
        process.stdout.write(
          r.valid
            ? `${r.rfc}: valid (${counted(r.files, 'file')}, ${counted(r.measurements, 'measurement')}, ${counted(r.gates, 'gate')})\n`
            : `${r.rfc}: ${errors} problem${errors === 1 ? '' : 's'}\n`,
        );
      }
    }
    if (results.some((r) => !r.valid)) process.exitCode = EXIT.invalid;
    return results;
  }
}

/**
 * One key order for every problem, as the text form reads (file:line:col: warning: message):
 * problems are built by many code paths, each spreading its keys in its own order.
 */
function problemJson(p: Problem): Problem {
  return { file: p.file, line: p.line, col: p.col, severity: p.severity, message: p.message };
}

async function validateOne(root: string, id: string): Promise<Validated> {
  // The spec loader (YAML, the schema validators, the expression checker) is loaded only here,
  // once the command line is accepted: a bad flag is refused without it.
  const [{ loadRfc }, { backtrackingProblems }, { unreadClaims }] = await Promise.all([
    import('../../spec/load.js'),
    import('../../lint/backtracking.js'),
    import('../../cite/spec.js'),
  ]);
  // Lint regexes that could hang a hook are found after the load, with every other problem.
  const backtracking: BacktrackCheck[] = [];
  let rfc: LoadedRfc | undefined;
  let problems: Problem[] = [];
  let files: string[] | undefined;
  try {
    rfc = loadRfc(root, id, { backtracking });
  } catch (e) {
    if (!(e instanceof SpecError)) throw e;
    problems = sortProblems([...e.problems, ...e.warnings]);
    files = e.files;
  }
  const hang = await backtrackingProblems(backtracking);
  if (!rfc) {
    return {
      rfc: id,
      valid: false,
      ...(files ? { files: files.length } : {}),
      problems: hang.length ? sortProblems([...problems, ...hang]) : problems,
    };
  }
  const counts = { files: rfc.files.length, measurements: rfc.measurements.size, gates: rfc.gates.length };
  // Read here, not by every command loading the spec: it reads and parses the documents.
  const claims = rfc.citations ? unreadClaims(root, rfc.citations, rfc.manifest.document) : [];
  const warnings = claims.length ? sortProblems([...rfc.warnings, ...claims]) : rfc.warnings;
  if (hang.length) return { rfc: id, valid: false, ...counts, problems: sortProblems([...hang, ...warnings]) };
  return { rfc: id, valid: true, ...counts, problems: warnings };
}
