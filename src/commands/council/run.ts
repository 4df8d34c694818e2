import * as Flags from '@oclif/core/flags';
import { existingFolder } from '../../cli/folder-flag.js';
import { RfcCommand } from '../../cli/rfc-command.js';
import { COUNCIL_FORMATS, type CouncilFormat } from '../../formatters/council/names.js';
import { UsageError } from '../../spec/problems.js';
import { rfcDir } from '../../spec/rfc-dir.js';
import type { CouncilRound } from '../../council/ledger.js';
import type { Fetch } from '../../council/run.js';

export const KEY_ENV = 'ANTHROPIC_API_KEY';

export default class CouncilRun extends RfcCommand {
  static override summary =
    'Send the review lanes of council.yaml in parallel through the Anthropic API and judge the round.';
  static override description = `Each lane (architect, code reviewer, live verifier...) reads the RFC document and its brief and answers with structured findings { lane, severity, section, claim, evidence, suggested_fix }, validated against a JSON Schema. The live verifier is given the deterministic checks first (spec validate; cite verify and comparator check when this build has them). Rate limits and overload are retried with backoff; a lane that still fails is reported as failed, never as "no findings".

The round is stored in the council folder (rfcs/<rfc>/council/<date>-v<version>.json and .md) with the RFC's content hash, and compared with the previous round: new, persisted and resolved findings. The standing contract is evaluated: an open BLOCK fails the round and the council gate until a later round clears it. Per-lane token counts (the count-tokens endpoint, or an estimate offline) and cache reads and writes are shown after the run.

Needs ${KEY_ENV} (never printed). --fake-model <dir> runs offline against scripted answers (one <lane>.json per lane; a lane without one is refused before any lane runs).

EXIT CODES
  0  every lane answered and no BLOCK is open
  1  a BLOCK is open (the contract requires a redraft)
  2  no BLOCK, but a lane failed (rate limit, API error, malformed output): the round is incomplete
  3  the spec or the invocation is invalid, ${KEY_ENV} is not set, holds a character no key has or is refused by the API (HTTP 401; no round is stored), or --fake-model lacks a lane's fixture`;
  static override examples = [
    '<%= config.bin %> council run',
    '<%= config.bin %> council run --format markdown >> "$GITHUB_STEP_SUMMARY"',
    '<%= config.bin %> council run --fake-model test/council/fixtures/all-clear --json',
  ];

  static override flags = {
    json: Flags.boolean({ description: 'Print the round as JSON (the stored record); = --format json.' }),
    format: Flags.string({
      description: 'Report format: table (plain text), json or markdown.',
      options: [...COUNCIL_FORMATS],
    }),
    'fake-model': existingFolder({
      description: 'Answer from scripted fixture files (<lane id>.json) instead of the API: offline, no key needed.',
    }),
  };

  async run(): Promise<CouncilRound> {
    const { flags } = await this.parse(CouncilRun);
    if (flags.json && flags.format && flags.format !== 'json') {
      throw new UsageError(`--json contradicts --format ${flags.format}; choose one`);
    }
    const format: CouncilFormat = flags.json ? 'json' : ((flags.format as CouncilFormat | undefined) ?? 'table');
    const root = this.findRoot(flags.root);
    // With several RFCs, the one that has a council.yaml needs no --rfc. (Named here, not imported:
    // council/spec.js and its YAML and schema code load only once a council is read.)
    const id = this.chooseRfc(root, flags.rfc, 'council.yaml');
    // A mistyped --rfc is named before the key is asked for: no key would make it right.
    rfcDir(root, id);
    const key = process.env[KEY_ENV]?.trim();
    const fakeDir = flags['fake-model'];
    if (!key && !fakeDir) {
      throw new UsageError(
        `${KEY_ENV} is not set: create a key in the Anthropic Console (Settings → API keys) and run 'export ${KEY_ENV}=<key>' (in CI, a secret exposed as ${KEY_ENV}); or run offline with --fake-model <dir>`,
      );
    }
    if (key) checkKey(key);
    // The key is passed to the SDK by value and nothing else needs it: left in the environment,
    // every process the facts spawn (git for cite verify, and whatever it runs) inherited it,
    // and a DEBUG trace of them (DEBUG=simple-git*, DEBUG=*) printed it with the environment.
    delete process.env[KEY_ENV];
    // Loaded only here: the SDK and the council code are not needed by any other command.
    const { councilRound, councilExitCode } = await import('../../council/round.js');
    const { formatCouncil } = await import('../../formatters/council/index.js');
    let fake: { fetch: Fetch } | undefined;
    if (fakeDir) {
      const { fakeModel, requireFixtures, scriptFromDir } = await import('../../council/fake-model.js');
      const { loadCouncilSpec } = await import('../../council/spec.js');
      const script = scriptFromDir(fakeDir);
      requireFixtures(
        fakeDir,
        script,
        loadCouncilSpec(root, id).council.lanes.map((l) => l.id),
      );
      fake = fakeModel(script);
    }
    const round = await councilRound({
      root,
      rfc: id,
      // Offline without a key there is nothing to keep out of the output; a placeholder here
      // was redacted wherever the word occurred in a message.
      apiKey: key ?? '',
      tokenCount: fake ? 'estimate' : 'api',
      ...(fake ? { fetch: fake.fetch } : {}),
    });
    process.stdout.write(formatCouncil(round, format));
    process.exitCode = councilExitCode(round);
    return round;
  }
}

/**
 * A key is sent as an HTTP header, which holds only visible ASCII: one with another character
 * (a letter pasted from a document, a line break or space inside it) made every lane fail
 * with the header encoder's message and stored a round that reviewed nothing. Where it is
 * wrong is said by position only: the key itself is never printed.
 */
function checkKey(key: string): void {
  const at = [...key].findIndex((c) => !/^[\x21-\x7e]$/.test(c));
  if (at < 0) return;
  const c = [...key][at] ?? '';
  const what = /\s/.test(c)
    ? 'a space or line break'
    : `the character U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
  throw new UsageError(
    `${KEY_ENV} holds ${what} at position ${at + 1}, which an API key never has: copy the key again from the Anthropic Console (Settings → API keys) and run 'export ${KEY_ENV}=<key>'`,
  );
}
