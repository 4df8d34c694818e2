import { statSync } from 'node:fs';
import * as Flags from '@oclif/core/flags';

/**
 * A flag naming a folder that must exist. oclif's `Flags.directory({ exists: true })` reads
 * an empty value (an unset shell variable) as `No directory found at ` and stops there.
 */
export const existingFolder = Flags.custom<string>({
  async parse(input) {
    if (input === '') {
      throw new Error('an empty path names no folder: give a folder, or leave the flag out for its default');
    }
    let folder = false;
    try {
      folder = statSync(input).isDirectory();
    } catch {
      // Absent or unreadable: said below as oclif says it.
    }
    if (!folder) throw new Error(`No directory found at ${input}`);
    return input;
  },
});
