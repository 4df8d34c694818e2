import { OBJECT_ID } from './git-ref.js';

/** One answer of `git cat-file --batch`: the object's type and bytes, or that git has no such object. */
export type BatchAnswer = { type: string; data: Buffer } | { missing: true };

const HEADER = /^([0-9a-f]{40}|[0-9a-f]{64}) ([a-z]+) (\d+)$/;

/**
 * `git cat-file --batch` output for `names` asked in order (object ids, or `<rev>:<path>`):
 * `<id> <type> <size>\n<content>\n` per object (content of any bytes, newlines included, so read
 * by size), `<name> missing\n` for one git does not have, the name as it was asked (spaces and
 * all, so it is matched whole, never split on its spaces). The answers come in the order asked;
 * reading stops at the first that is cut short (git died part way) or does not answer what was
 * asked, so the result's length is how many were answered in full.
 */
export function parseCatFileBatch(out: Buffer, names: readonly string[]): BatchAnswer[] {
  const answers: BatchAnswer[] = [];
  let pos = 0;
  for (const name of names) {
    const nl = out.indexOf(10, pos);
    if (nl < 0) break;
    const line = out.subarray(pos, nl);
    if (line.equals(Buffer.from(`${name} missing`))) {
      answers.push({ missing: true });
      pos = nl + 1;
      continue;
    }
    const header = HEADER.exec(line.toString('latin1'));
    // An object asked for by id is answered under that id; a `<rev>:<path>` under its blob's.
    if (!header || (OBJECT_ID.test(name) && header[1] !== name)) break;
    const end = nl + 1 + Number(header[3]);
    if (end + 1 > out.length || out[end] !== 10) break;
    answers.push({ type: header[2] as string, data: out.subarray(nl + 1, end) });
    pos = end + 1;
  }
  return answers;
}
