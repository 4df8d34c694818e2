#!/usr/bin/env node
// One entry point for every program name: `rfcgate`, and each RFC id (`wave3`), which selects that RFC.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

const argv = process.argv.slice(2);
const name = basename(process.argv[1] ?? 'rfcgate').replace(/\.(c|m)?js$/, '');
process.env.RFCGATE_PROGRAM = name === 'run' ? 'rfcgate' : name;

// --version answers without loading the framework: it is what scripts call most often.
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`${pkg.name}/${pkg.version} ${process.platform}-${process.arch} node-${process.version}\n`);
  process.exit(0);
}

// A reader that stops early (`2>&1 | head -1`) closes the pipe: what is left unsaid is lost,
// but the exit code must still be the command's, not a crash's.
process.stderr.on('error', (err) => {
  if (err?.code !== 'EPIPE') throw err;
});
// The same for the report on stdout; any other failure to write it (a full disk under a
// redirect) is one line, not a stack trace, and not a verdict: exit 3.
process.stdout.on('error', (err) => {
  if (err?.code === 'EPIPE') return;
  process.stderr.write(`error: cannot write to standard output: ${String(err?.message ?? err).split(',')[0]}\n`);
  process.exit(3);
});

// Stack traces (--debug) name the TypeScript sources rather than places in the bundle.
if (argv.includes('--debug')) process.setSourceMapsEnabled(true);

// oclif checks the running Node against its own engines (>=18) on import, loading all of semver
// to do it; ours (package.json) are stricter and npm checks them, so the check is skipped.
const engineWarning = process.env.OCLIF_DISABLE_ENGINE_WARNING;
process.env.OCLIF_DISABLE_ENGINE_WARNING = '1';
// What runs is always the build. Under NODE_ENV=development or test oclif would otherwise look
// for TypeScript sources to run instead: it loads the whole compiler to read tsconfig.json
// (~0.2 s), and where TypeScript is not installed, as in a user's install, it warns on every run.
globalThis.oclif = { ...globalThis.oclif, enableAutoTranspile: false };
// The build's bundle of oclif, shared with the bundled commands (dist/bundle-build.js).
const { run, flush, inertStderr } = await import('../dist/bundle/cli/oclif-entry.js');
// Every error, halt and note quotes text from outside (a spec, a commit, a database): on
// standard error too, a CI runner must not read a workflow command in it (src/cli/inert-stderr.ts).
inertStderr();
if (engineWarning === undefined) delete process.env.OCLIF_DISABLE_ENGINE_WARNING;
else process.env.OCLIF_DISABLE_ENGINE_WARNING = engineWarning;
// oclif's flush waits for standard output to drain. A reader that has gone (EPIPE, above)
// leaves it unwritable, and no 'drain' ever comes: the wait would end the process with 13 (a
// top-level await never settled) instead of the command's exit code, as `--help | head -1` did.
async function flushStdout() {
  if (!process.stdout.writable) return;
  await Promise.race([flush(), new Promise((done) => process.stdout.once('close', done))]);
}
try {
  await run(argv, import.meta.url);
  await flushStdout();
} catch (err) {
  if (err?.code === 'EEXIT' || err?.oclif?.exit === 0) {
    await flushStdout();
    process.exit(err.oclif?.exit ?? 0);
  }
  // Errors raised before a command runs (an unknown command, a bad flag) are invocation errors: exit 3.
  const message = String(err?.message ?? err).split('\n\n')[0];
  process.stderr.write(`error: ${message}\n`);
  if (argv.includes('--debug') && err?.stack) process.stderr.write(`${err.stack}\n`);
  process.exit(3);
}
