/**
 * What bin/run.js takes from oclif, as a module of the build's bundle: bin/run.js and the
 * bundled commands then share one bundled copy of oclif instead of loading its ~200 files.
 * Everything imports oclif by subpath (`@oclif/core/run`, `/flags`, `/command`): its index
 * would bring every module of the package into the bundle that each command evaluates.
 * With it, what bin/run.js does before any command runs: make standard error inert for a CI log.
 */
export { inertStderr } from './inert-stderr.js';
export { flush } from '@oclif/core/flush';
export { run } from '@oclif/core/run';
