import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { PARITY_FORMATS } from '../../formatters/parity/names.js';
import { ParityCommand } from '../../parity/command.js';
import type { ParityReport } from '../../parity/compare.js';

export default class ParityCaptureCheck extends ParityCommand {
  static override summary = 'Fail loudly on a non-deterministic field outside the parity mask.';
  static override description = `Every golden request is captured twice from the same inputs. This compares the two captures (default: parity.yaml's golden and recapture folders) under the same parity rules: any field that differs between them and is not masked is a non-deterministic field outside the mask, named with its JSON path, and the check fails. A golden capture is only a reference if capturing it again gives the same answer; widening the mask is an RFC change, so the fix is in the capture, not here.

EXIT CODES
  0  every capture is the same in both takes (outside the mask)
  1  at least one field outside the mask differs between the two takes
  2  a capture has no second take (or the reverse), a folder of parity.yaml is missing or empty, or the two paths name one folder
  3  the invocation is invalid (every malformed capture, each with its file:line:col; a path that does not exist, no parity definition, a bad flag)`;
  static override examples = [
    '<%= config.bin %> parity capture-check',
    '<%= config.bin %> parity capture-check captures/take1 captures/take2 --format junit > capture.xml',
  ];

  static override args = {
    // ignoreStdin: piped input is never taken for a capture path.
    first: Args.string({ description: 'First capture (file or folder).', ignoreStdin: true }),
    second: Args.string({ description: 'Second capture of the same requests (file or folder).', ignoreStdin: true }),
  };

  static override flags = {
    ...ParityCommand.flags,
    format: Flags.string({
      description: 'Report format: table, json or junit (one testcase per capture).',
      options: [...PARITY_FORMATS],
    }),
  };

  async run(): Promise<ParityReport> {
    const { args, flags } = await this.parse(ParityCaptureCheck);
    return this.compareAndReport({
      flags,
      paths: { first: args.first, second: args.second },
      other: 'recapture',
      mode: 'capture-check',
    });
  }
}
