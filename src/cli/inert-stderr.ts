/**
 * Standard error made inert for a CI log, once for every command: the GitHub Actions runner
 * reads it for workflow commands as it reads standard output, and an error, a halt or a note
 * quotes what rfcgate did not write (a spec's YAML, a commit subject, a ref or file name, a
 * database value, git's or PostgreSQL's own message). Nothing rfcgate means as a command goes
 * there: the `github` report is written to standard output or to a file by its path.
 */
import { StringDecoder } from 'node:string_decoder';
import { inertCommands } from '../formatters/visible.js';

/**
 * Text written in pieces, made inert as the lines it adds up to (inertCommands): whether a
 * `::` starts a line depends on what was written before it on that line. Each piece comes back
 * as it was unless a command would be read in it.
 */
export function inertPieces(): (piece: string) => string {
  // What is written of the line so far: all of it while only spaces, else its last characters.
  let line = '';
  const inert = (piece: string): string => {
    if (piece === '') return '';
    // The first `:` of a line-start `::` went out alone: the second is written out instead.
    if (/^\s*:$/.test(line) && piece.startsWith(':')) {
      line = 'x3a';
      return `\\x3a${inert(piece.slice(1))}`;
    }
    // Read after what came before on its line, which comes back unchanged: it was made inert
    // when written, and a replacement changes only the `:` or `[` that completes a command.
    const before = /^\s*$/.test(line) ? `\n${line}` : `x${line.slice(-2)}`;
    const out = inertCommands(before + piece).slice(before.length);
    const end = Math.max(out.lastIndexOf('\n'), out.lastIndexOf('\r'));
    line = end < 0 ? line + out : out.slice(end + 1);
    if (!/^\s*:?$/.test(line)) line = `x${line.slice(-2)}`;
    return out;
  };
  return inert;
}

type Callback = (err?: Error | null) => void;

/** Every later write to `stream` (process.stderr) goes through inertPieces. */
export function inertStderr(stream: NodeJS.WriteStream = process.stderr): void {
  const write = stream.write.bind(stream) as (text: string, cb?: Callback) => boolean;
  const inert = inertPieces();
  // Bytes (a worker's stderr passed on) are read as UTF-8, a character split between two writes included.
  const bytes = new StringDecoder('utf8');
  stream.write = ((chunk: string | Uint8Array, encoding?: BufferEncoding | Callback, cb?: Callback): boolean => {
    const done = typeof encoding === 'function' ? encoding : cb;
    const enc = typeof encoding === 'string' ? encoding : 'utf8';
    const text =
      typeof chunk === 'string' && (enc === 'utf8' || enc === 'utf-8')
        ? chunk
        : bytes.write(typeof chunk === 'string' ? Buffer.from(chunk, enc) : Buffer.from(chunk));
    return write(inert(text), done);
  }) as typeof stream.write;
}
