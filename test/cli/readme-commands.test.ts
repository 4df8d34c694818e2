/**
 * The command lines a reader copies from README.md, and the examples `--help` shows, name only
 * commands and flags that exist and parse as written: a flag renamed or dropped in the code is
 * caught here rather than by the first user who pastes the line. Parsing only: nothing runs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Parser } from '@oclif/core';
import type { Command } from '@oclif/core';
import { describe, expect, it } from 'vitest';

type CommandClass = typeof Command;

const COMMANDS_DIR = 'src/commands';

function commandFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? commandFiles(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : [],
  );
}

/** Every command, by its words (`gate check`). */
async function loadCommands(): Promise<Map<string, CommandClass>> {
  const out = new Map<string, CommandClass>();
  for (const file of commandFiles(COMMANDS_DIR)) {
    const id = relative(COMMANDS_DIR, file).replace(/\.ts$/, '').split(/[\\/]/).join(' ');
    const mod = (await import(`../../${file}`)) as { default: CommandClass };
    out.set(id, mod.default);
  }
  return out;
}

/** Shell words of a simple command line: quotes removed, nothing expanded. */
function words(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (const m of line.matchAll(re)) out.push(m[1] ?? m[2] ?? m[3] ?? '');
  return out;
}

/**
 * The rfcgate invocation a shell line holds, as argv after the program name, or undefined.
 * A `$(…)` that echoes flags stands for them; any other is one word; `#` comments,
 * redirections and environment assignments are left out.
 */
function invocation(line: string): string[] | undefined {
  let text = line.replace(/\s#\s.*$/, '').replace(/^\s*(?:-\s+)?(?:run:\s*)?/, '');
  text = text.replace(/\$\([^()]*?&&\s*echo\s+([^)]*)\)/g, '$1').replace(/"?\$\([^()]*\)"?/g, 'VALUE');
  text = text.replace(/\s*>>?\s*\S+/g, '');
  const w = words(text);
  while (w[0] !== undefined && /^[A-Z_][A-Z0-9_]*=/.test(w[0])) w.shift();
  if (w[0] === 'npx') w.shift();
  if (w[0] !== 'rfcgate' && w[0] !== 'wave3' && w[0] !== 'v3-kernel') return undefined;
  return w.slice(1).map((a) => a.replace(/<[^>]*>/g, 'x'));
}

/** The README's command lines: those of its sh and YAML blocks, and code spans that start with the program. */
function readmeLines(readme: string): { line: number; text: string; prose: boolean }[] {
  const out: { line: number; text: string; prose: boolean }[] = [];
  let fenced = false;
  readme.split('\n').forEach((l, i) => {
    if (l.startsWith('```')) {
      fenced = !fenced;
      return;
    }
    if (fenced) {
      if (!l.trimStart().startsWith('#') && /\b(?:rfcgate|wave3)\s+[a-z]/.test(l))
        out.push({ line: i + 1, text: l, prose: false });
      return;
    }
    for (const m of l.matchAll(/`((?:npx |DATABASE_URL=\S+ )?(?:rfcgate|wave3) [^`]+)`/g))
      out.push({ line: i + 1, text: m[1] as string, prose: true });
  });
  return out;
}

/** Split argv into the command's words and the rest; undefined when no command matches. */
function split(commands: Map<string, CommandClass>, argv: string[]): [string, string[]] | undefined {
  for (const n of [2, 1]) {
    const id = argv.slice(0, n).join(' ');
    if (commands.has(id)) return [id, argv.slice(n)];
  }
  return undefined;
}

/** A command's flags, its base class's (--rfc, --root, --debug) included, as oclif parses them. */
const flagsOf = (cmd: CommandClass) => ({ ...cmd.baseFlags, ...cmd.flags });

async function parse(cmd: CommandClass, argv: string[]) {
  return Parser.parse(argv, { flags: flagsOf(cmd), args: cmd.args, strict: cmd.strict ?? true });
}

/** What is wrong with one command line, or undefined. */
async function problem(
  commands: Map<string, CommandClass>,
  argv: string[],
  prose = false,
): Promise<string | undefined> {
  const found = split(commands, argv);
  if (!found) return `no such command: ${argv.slice(0, 2).join(' ')}`;
  const [id, rest] = found;
  const cmd = commands.get(id) as CommandClass;
  // A command named in prose (`rfcgate measure record`) is no invocation to parse.
  if (rest.length === 0 && prose) return undefined;
  try {
    const parsed = await parse(cmd, rest);
    const declared = Object.keys(cmd.args ?? {}).length;
    const extra = parsed.argv.length - declared;
    if (cmd.strict !== false && extra > 0) return `${id}: stray arguments ${parsed.argv.slice(declared).join(' ')}`;
    return undefined;
  } catch (e) {
    return `${id}: ${(e as Error).message.split('\n')[0]}`;
  }
}

const commands = await loadCommands();
const readme = readFileSync('README.md', 'utf8');

describe('README command lines', () => {
  it('finds the command lines it checks', () => {
    const found = readmeLines(readme).flatMap((l) => (invocation(l.text) ? [l] : []));
    expect(found.length).toBeGreaterThan(30);
  });

  it('every rfcgate command line in README.md names a command and flags that exist', async () => {
    const bad: string[] = [];
    for (const { line, text, prose } of readmeLines(readme)) {
      const argv = invocation(text);
      if (!argv) continue;
      const p = await problem(commands, argv, prose);
      if (p) bad.push(`README.md:${line}: ${text.trim()}: ${p}`);
    }
    expect(bad).toEqual([]);
  });

  it("every flag the Commands table names for a command is one of that command's flags", () => {
    const bad: string[] = [];
    // `rfcgate hooks install` / `uninstall` is one row of two commands.
    const rows = readme.split('\n').flatMap((l, i) => {
      const m = /^\| `rfcgate ([a-z -]+)`(?: \/ `([a-z-]+)`)? \|(.*)\|\s*$/.exec(l);
      if (!m) return [];
      const id = (m[1] as string).trim();
      return [{ line: i + 1, id, also: m[2] ? id.replace(/\S+$/, m[2]) : undefined, text: m[3] as string }];
    });
    expect(rows.flatMap((r) => (r.also ? [r.id, r.also] : [r.id])).sort()).toEqual([...commands.keys()].sort());
    for (const { line, id, text } of rows) {
      const cmd = commands.get(id);
      if (!cmd) {
        bad.push(`README.md:${line}: no such command: ${id}`);
        continue;
      }
      const flags = flagsOf(cmd);
      for (const m of text.matchAll(/`(--[a-z][a-z-]*)/g)) {
        const name = (m[1] as string).slice(2);
        const negated = name.startsWith('no-') && (flags[name.slice(3)] as { allowNo?: boolean } | undefined)?.allowNo;
        if (!(name in flags) && !negated) bad.push(`README.md:${line}: ${id} has no --${name}`);
      }
    }
    expect(bad).toEqual([]);
  });
});

describe('README flags', () => {
  // A flag the program takes but the manual never names is one no reader knows to use, nor
  // knows the program may ask for (demo refuses a --dir inside a repository without one).
  it.each([...commands.keys()])('%s: every flag is named in README.md', (id) => {
    const cmd = commands.get(id) as CommandClass;
    const unnamed = Object.entries(cmd.flags ?? {}).flatMap(([name, flag]) => {
      const spelt = (flag as { allowNo?: boolean }).allowNo ? [name, `no-${name}`] : [name];
      return spelt.some((n) => new RegExp(`--${n}(?![a-z-])`).test(readme)) ? [] : [`--${name}`];
    });
    expect(unnamed).toEqual([]);
  });
});

describe('--help examples', () => {
  it.each([...commands.keys()])('%s: every example parses as written', async (id) => {
    const cmd = commands.get(id) as CommandClass;
    const bad: string[] = [];
    for (const example of (cmd.examples ?? []) as (string | { command: string })[]) {
      const text = (typeof example === 'string' ? example : example.command)
        .replace(/<%= config\.bin %>/g, 'rfcgate')
        .replace(/^\$ /, '');
      const argv = invocation(text);
      if (!argv) {
        bad.push(`${text}: runs no rfcgate command`);
        continue;
      }
      const found = split(commands, argv);
      if (found?.[0] !== id) bad.push(`${text}: not an example of ${id}`);
      const p = await problem(commands, argv);
      if (p) bad.push(`${text}: ${p}`);
    }
    expect(bad).toEqual([]);
  });
});
