import { Args, Flags } from '@oclif/core';
import { RfcCommand } from '../../cli/rfc-command.js';
import { formatParity, PARITY_FORMATS } from '../../formatters/parity/index.js';
import { chooseFormat, loadParitySpec, parityInputs, run } from '../../parity/command.js';
import { compareParity, parityExitCode, type ParityReport } from '../../parity/compare.js';
import { listRfcIds } from '../../spec/rfc-dir.js';

export default class ParityCaptureCheck extends RfcCommand {
  static override summary = 'Fail loudly on a non-deterministic field outside the parity mask.';
  static override description = `Every golden request is captured twice from the same inputs. This compares the two captures (default: parity.yaml's golden and recapture folders) under the same parity rules: any field that differs between them and is not masked is a non-deterministic field outside the mask, named with its JSON path, and the check fails. A golden capture is only a reference if capturing it again gives the same answer; widening the mask is an RFC change, so the fix is in the capture, not here.

EXIT CODES
  0  every capture is the same in both takes (outside the mask)
  1  at least one field outside the mask differs between the two takes
  2  a capture has no second take (or the reverse), or a folder of parity.yaml is missing or empty
  3  the invocation is invalid (malformed JSON with its file:line:col, a path that does not exist, no parity definition, a bad flag)`;
  static override examples = [
    '<%= config.bin %> parity capture-check',
    '<%= config.bin %> parity capture-check captures/take1 captures/take2 --format junit > capture.xml',
  ];

  static override args = {
    first: Args.string({ description: 'First capture (file or folder).' }),
    second: Args.string({ description: 'Second capture of the same requests (file or folder).' }),
  };

  static override flags = {
    'significant-digits': Flags.integer({ description: "Override parity.yaml's significant digits.", min: 1, max: 17 }),
    mask: Flags.string({ description: "Override parity.yaml's mask (a regex matched against whole key names)." }),
    json: Flags.boolean({ description: 'Print the report as JSON (stable key order); = --format json.' }),
    format: Flags.string({
      description: 'Report format: table, json or junit (one testcase per capture).',
      options: [...PARITY_FORMATS],
    }),
  };

  async run(): Promise<ParityReport> {
    const { args, flags } = await this.parse(ParityCaptureCheck);
    const format = chooseFormat(flags.json, flags.format);
    const root = this.findRoot(flags.root);
    const rfc = flags.rfc || listRfcIds(root).length ? this.chooseRfc(root, flags.rfc) : undefined;
    const spec = await loadParitySpec(root, rfc);
    const input = parityInputs({
      root,
      spec,
      rfc,
      args: { first: args.first, second: args.second },
      digits: flags['significant-digits'],
      mask: flags.mask,
      other: 'recapture',
    });
    const report = run(() => compareParity(input.first, input.second, input.options, 'capture-check'));
    process.stdout.write(formatParity(report, format));
    process.exitCode = parityExitCode(report);
    return report;
  }
}
