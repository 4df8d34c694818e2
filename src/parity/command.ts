/**
 * The flags and the run of `parity diff` and `parity capture-check`. The comparison, the
 * formatters and the spec loader (./cli.ts) are loaded once the command line is accepted: a
 * run refused for a bad flag does not pay for them (test/cli/bundle.test.ts).
 */
import * as Flags from '@oclif/core/flags';
import { RfcCommand } from '../cli/rfc-command.js';
import { listRfcIds } from '../spec/rfc-dir.js';
import type { ParityMode, ParityReport } from './compare.js';

/** The flags and the run of both parity commands; each adds its arguments and --format. */
export abstract class ParityCommand extends RfcCommand {
  static override flags = {
    'significant-digits': Flags.integer({ description: "Override parity.yaml's significant digits.", min: 1, max: 17 }),
    mask: Flags.string({ description: "Override parity.yaml's mask (a regex matched against whole key names)." }),
    json: Flags.boolean({ description: 'Print the report as JSON (stable key order); = --format json.' }),
  };

  protected async compareAndReport(o: {
    flags: {
      root?: string | undefined;
      rfc?: string | undefined;
      'significant-digits'?: number | undefined;
      mask?: string | undefined;
      json: boolean;
      format?: string | undefined;
    };
    paths: { first?: string | undefined; second?: string | undefined };
    other: 'candidate' | 'recapture';
    mode: ParityMode;
  }): Promise<ParityReport> {
    const { flags } = o;
    const { chooseFormat, compareAndPrint } = await import('./cli.js');
    const format = chooseFormat(flags.json, flags.format);
    const root = this.findRoot(flags.root);
    // Outside any RFC (no gates/ here), two paths and --significant-digits are enough.
    const rfc = flags.rfc || listRfcIds(root).length ? this.chooseRfc(root, flags.rfc) : undefined;
    return compareAndPrint({
      root,
      rfc,
      format,
      digits: flags['significant-digits'],
      mask: flags.mask,
      paths: o.paths,
      other: o.other,
      mode: o.mode,
    });
  }
}
