/**
 * A table name as a spec writes it, the way SQL does: comparator.yaml's canonical and shadow
 * tables, and a measurement's `table:`. Each part is unquoted (letters, digits, `_`, `$`, not
 * starting with a digit) or in double quotes, holding any character, a `"` written `""`:
 * `sales."Order Items"`, `public."orders-2026"`.
 */

/** PostgreSQL keeps NAMEDATALEN - 1 bytes of an identifier and cuts the rest. */
const MAX_IDENTIFIER_BYTES = 63;
/** What PostgreSQL's lexer takes unquoted: any byte of a non-ASCII character among them. */
const UNQUOTED_PART = /^[A-Za-z_\u0080-\u{10FFFF}][A-Za-z0-9_$\u0080-\u{10FFFF}]*/u;

export interface TableNameOptions {
  /**
   * A measurement's `table:` may leave the schema out (the connection's search_path finds it);
   * comparator.yaml names both tables of a pair in full.
   */
  schemaOptional?: boolean;
}

/**
 * `schema.table` (or, with schemaOptional, `table`) read part by part. An unquoted part is
 * taken as written, as the catalog spells it (no folding to lower case), so a spec that names
 * `core.Agents` keeps meaning the table it meant. The error says what is wrong and how to
 * write the name instead.
 */
export function parseTableName(text: string): { schema: string; name: string } | { error: string };
export function parseTableName(
  text: string,
  opts: TableNameOptions,
): { schema: string | null; name: string } | { error: string };
export function parseTableName(
  text: string,
  opts: TableNameOptions = {},
): { schema: string | null; name: string } | { error: string } {
  const parts: string[] = [];
  let at = 0;
  for (;;) {
    if (text[at] === '"') {
      let part = '';
      let i = at + 1;
      for (;;) {
        const close = text.indexOf('"', i);
        if (close < 0) return { error: `the double quote at character ${at + 1} is never closed` };
        part += text.slice(i, close);
        if (text[close + 1] !== '"') {
          i = close + 1;
          break;
        }
        part += '"';
        i = close + 2;
      }
      if (part === '') return { error: 'a quoted name "" is empty' };
      parts.push(part);
      at = i;
    } else {
      const part = UNQUOTED_PART.exec(text.slice(at))?.[0];
      if (!part) {
        const c = text.slice(at).match(/^./u)?.[0];
        if (c === undefined || c === '.') return { error: 'a part of the name is empty' };
        return {
          error: unquotedError(
            text,
            /[0-9$]/.test(c)
              ? `a name outside double quotes cannot start with ${JSON.stringify(c)}`
              : `${JSON.stringify(c)} cannot appear in a name outside double quotes`,
          ),
        };
      }
      parts.push(part);
      at += part.length;
    }
    if (at === text.length) break;
    if (text[at] !== '.') {
      const c = text.slice(at).match(/^./u)?.[0] ?? '';
      return { error: unquotedError(text, `${JSON.stringify(c)} cannot appear in a name outside double quotes`) };
    }
    at++;
  }
  const form = opts.schemaOptional ? 'table or schema.table' : 'schema.table';
  if (parts.length === 1 && !opts.schemaOptional) {
    return { error: `it names no schema; write schema.table, such as public.${text}` };
  }
  if (parts.length > 2) {
    return {
      error: `it has ${parts.length} parts; write ${form} (the database is DATABASE_URL's or the embedded one, not named here), quoting a name that holds a dot`,
    };
  }
  for (const part of parts) {
    const wrong = identifierProblem(part, `'${part}'`);
    if (wrong) return { error: wrong };
  }
  return parts.length === 1
    ? { schema: null, name: parts[0] as string }
    : { schema: parts[0] as string, name: parts[1] as string };
}

/** Why no table or column of PostgreSQL's is named so (`subject` names it in the answer); undefined when one may be. */
export function identifierProblem(name: string, subject = 'it'): string | undefined {
  if (name.includes('\0')) return 'a name cannot hold a NUL character';
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes <= MAX_IDENTIFIER_BYTES) return undefined;
  return `${subject} is ${bytes} bytes long, and PostgreSQL keeps only the first ${MAX_IDENTIFIER_BYTES} bytes of a name; write the name the catalog holds`;
}

/** What is wrong with an unquoted part, and the name quoted as it is to be written. */
function unquotedError(text: string, what: string): string {
  const dot = text.indexOf('.');
  const hint =
    !text.includes('"') && dot > 0 && dot < text.length - 1
      ? `; quote the name: ${quotePart(text.slice(0, dot))}.${quotePart(text.slice(dot + 1))}`
      : '; write each name that holds such a character in double quotes, a " inside doubled, such as sales."Order Items"';
  return `${what}${hint}`;
}

const quotePart = (part: string): string =>
  UNQUOTED_PART.exec(part)?.[0] === part ? part : `"${part.replaceAll('"', '""')}"`;

/** A table as a spec writes it: each part unquoted where it can be, else quoted. */
export const tableText = (schema: string, name: string): string => `${quotePart(schema)}.${quotePart(name)}`;
