/**
 * What bin/run.js takes from oclif, as a module of the build's bundle: bin/run.js and the
 * bundled commands then share one bundled copy of oclif instead of loading its ~200 files.
 */
export { flush, run } from '@oclif/core';
