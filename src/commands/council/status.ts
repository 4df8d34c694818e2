import * as Flags from '@oclif/core/flags';
import { RfcCommand } from '../../cli/rfc-command.js';
import { EXIT } from '../../model/result.js';
import { COUNCIL_FORMATS, type CouncilFormat } from '../../formatters/council/names.js';
import { UsageError } from '../../spec/problems.js';
import type { CouncilRound } from '../../council/ledger.js';

export default class CouncilStatus extends RfcCommand {
  static override summary = 'Show the latest stored council round and what the contract makes of it.';
  static override description = `Reads the council folder (rfcs/<rfc>/council/) without calling the API: the latest round's findings, what changed since the round before, and the contract's judgement. Says so when the RFC document changed since that round reviewed it. The exit code is the council gate's verdict on that round (as gate check judges it now).

EXIT CODES
  0  no BLOCK open, every lane answered, the current text reviewed
  1  a BLOCK is open
  2  halt: no round yet, a lane failed, or the RFC document changed (stale)
  3  the spec or the invocation is invalid`;
  static override examples = ['<%= config.bin %> council status', '<%= config.bin %> council status --format markdown'];

  static override flags = {
    json: Flags.boolean({ description: 'Print the round as JSON; = --format json.' }),
    format: Flags.string({
      description: 'Report format: table (plain text), json or markdown.',
      options: [...COUNCIL_FORMATS],
    }),
  };

  async run(): Promise<CouncilRound | undefined> {
    const { flags } = await this.parse(CouncilStatus);
    if (flags.json && flags.format && flags.format !== 'json') {
      throw new UsageError(`--json contradicts --format ${flags.format}; choose one`);
    }
    const format: CouncilFormat = flags.json ? 'json' : ((flags.format as CouncilFormat | undefined) ?? 'table');
    const root = this.findRoot(flags.root);
    // With several RFCs, the one that has a council.yaml needs no --rfc. (Named here, not imported:
    // council/spec.js and its YAML and schema code load only once a council is read.)
    const id = this.chooseRfc(root, flags.rfc, 'council.yaml');
    const { loadCouncilSpec } = await import('../../council/spec.js');
    const { documentSha, latestRound, roundStanding } = await import('../../council/ledger.js');
    const { formatCouncil } = await import('../../formatters/council/index.js');
    const { council, manifest } = loadCouncilSpec(root, id);
    const round = latestRound(root, council.ledger_dir, manifest.id);
    if (!round) {
      process.stderr.write(`no council round stored in ${council.ledger_dir}: run '${id} council run'\n`);
      process.exitCode = EXIT.halt;
      return undefined;
    }
    // The document rfc.yaml names now: a redraft in a new file was never reviewed, even while
    // the file the round reviewed stays as it was.
    const now = documentSha(root, council.document);
    const standing = roundStanding(round, now, council.document);
    // A round that passed but reviewed other text halts now: the report (a PR comment, a step
    // summary) says so beside the verdict it recorded, not only a note on stderr.
    const shas = `sha256 ${round.document.sha256.slice(0, 12)} → ${now ? now.slice(0, 12) : 'missing'}`;
    const changed =
      now === round.document.sha256
        ? undefined
        : council.document === round.document.path
          ? `${round.document.path} changed since round ${round.round} reviewed it (${shas}): run '${id} council run' on the current text`
          : `the RFC document is now ${council.document}, not ${round.document.path} that round ${round.round} reviewed (${shas}): run '${id} council run' on the current text`;
    const line =
      changed && standing.verdict === 'halt' && standing.halt === 'stale' ? `HALT (stale): ${changed}` : changed;
    process.stdout.write(formatCouncil(round, format, line));
    if (changed && format === 'json') process.stderr.write(`note: ${changed}\n`);
    // The council gate's verdict on the same round, so status and gate check agree.
    process.exitCode = EXIT[standing.verdict];
    return round;
  }
}
