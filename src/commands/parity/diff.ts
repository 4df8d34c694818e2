import * as Args from '@oclif/core/args';
import * as Flags from '@oclif/core/flags';
import { PARITY_FORMATS } from '../../formatters/parity/names.js';
import { ParityCommand } from '../../parity/command.js';
import type { ParityReport } from '../../parity/compare.js';

export default class ParityDiff extends ParityCommand {
  static override summary = 'Compare JSON captures with their golden captures under the RFC parity definition.';
  static override description = `Compares two JSON documents, or two folders of captures matched by their path in the folder (default: parity.yaml's golden and candidate folders), under the RFC's parity definition: the same field set at every level, the same value types (an int stays an int: 1 and 1.0 differ), the same key order, floats equal to significant_digits, keys whose whole name matches the mask removed first. Every difference is reported with its JSON path and kind: missing_field, extra_field, type_changed, order_changed, value_changed, float_beyond_precision.

EXIT CODES
  0  every golden capture is at parity
  1  at least one capture differs from its golden capture
  2  something is unmeasured: a golden capture without its capture, a capture without a golden one, a folder of parity.yaml missing or empty, or the two paths naming one folder
  3  the invocation is invalid (every malformed capture, each with its file:line:col; a path that does not exist, no parity definition, a bad flag)`;
  static override examples = [
    '<%= config.bin %> parity diff',
    '<%= config.bin %> parity diff tests/parity/golden tests/parity/beam --format junit > parity.xml',
    '<%= config.bin %> parity diff golden/status.json beam/status.json --json',
  ];

  static override args = {
    // ignoreStdin: a missing argument means the parity definition's folder, never piped input.
    golden: Args.string({ description: 'Golden capture (file or folder).', ignoreStdin: true }),
    actual: Args.string({ description: 'Capture to compare with it (file or folder).', ignoreStdin: true }),
  };

  static override flags = {
    ...ParityCommand.flags,
    format: Flags.string({
      description: 'Report format: table, json or junit (one testcase per golden file).',
      options: [...PARITY_FORMATS],
    }),
  };

  async run(): Promise<ParityReport> {
    const { args, flags } = await this.parse(ParityDiff);
    return this.compareAndReport({
      flags,
      paths: { first: args.golden, second: args.actual },
      other: 'candidate',
      mode: 'diff',
    });
  }
}
