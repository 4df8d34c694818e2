import { describe, expect, it } from 'vitest';
import {
  blanks,
  documentLines,
  findSection,
  headings,
  isPlaceholder,
  sectionText,
  tables,
  visibleText,
} from '../../../src/sources/artifact/markdown.js';

const kinds = (text: string, name: string) => {
  const s = findSection(text, name);
  if (!s) throw new Error(`no section ${name}`);
  return blanks(s).map((b) => [b.kind, b.line]);
};

describe('headings and sections', () => {
  const doc = [
    '# Go decision', // 1
    '', // 2
    '## Calendar reasoning', // 3
    'Prereq 1 slipped 10%.', // 4
    '### Detail', // 5
    'More.', // 6
    '## Judgement ##', // 7
    'Judgement: go', // 8
    '', // 9
    'Setext title', // 10
    '------------', // 11
    'body', // 12
  ].join('\n');

  it('finds ATX headings of any level, and setext headings', () => {
    expect(headings(doc).map((h) => [h.level, h.text, h.line])).toEqual([
      [1, 'Go decision', 1],
      [2, 'Calendar reasoning', 3],
      [3, 'Detail', 5],
      [2, 'Judgement', 7],
      [2, 'Setext title', 10],
    ]);
  });

  it('a section runs to the next heading of the same or a higher level', () => {
    const s = findSection(doc, 'calendar REASONING');
    expect(s?.heading.line).toBe(3);
    expect(s?.body.map((l) => l.line)).toEqual([4, 5, 6]);
    expect(findSection(doc, 'Judgement')?.body.map((l) => l.text)).toEqual(['Judgement: go', '']);
    expect(findSection(doc, 'Setext title')?.body.map((l) => l.text)).toEqual(['body']);
    expect(findSection(doc, 'Go decision')?.body).toHaveLength(11);
    expect(findSection(doc, 'Nope')).toBeUndefined();
  });

  it('matches through emphasis, a trailing colon and outline numbering', () => {
    const text = '## 3. **Calendar reasoning**:\nfilled\n';
    expect(findSection(text, 'Calendar reasoning')?.heading.line).toBe(1);
    expect(findSection('## §4 Risks\nx\n', 'risks')?.heading.text).toBe('§4 Risks');
  });

  it('does not take a # inside a fenced code block for a heading', () => {
    const text = [
      '## Setup',
      '```sh',
      '# Judgement',
      '## not a heading',
      '```',
      '~~~',
      '# also not',
      '~~~',
      'after',
    ].join('\n');
    expect(headings(text).map((h) => h.text)).toEqual(['Setup']);
    expect(findSection(text, 'Judgement')).toBeUndefined();
    expect(findSection(text, 'Setup')?.body.at(-1)?.text).toBe('after');
  });

  it('does not take a # inside an HTML comment, or #hashtag, for a heading', () => {
    expect(headings('<!--\n# hidden\n-->\n#tag\n# real').map((h) => h.text)).toEqual(['real']);
  });

  it('gives the body text for extraction', () => {
    expect(sectionText(findSection('## A\nx: 1\ny: 2\n## B', 'A') as never)).toBe('x: 1\ny: 2');
  });
});

describe('blanks', () => {
  it('a section with prose is filled', () => {
    expect(kinds('## A\n\nWe slipped nothing.\n', 'A')).toEqual([]);
  });

  it('an empty section, or one with only comments and sub-headings, is empty', () => {
    expect(kinds('## A\n\n## B\ntext', 'A')).toEqual([['empty', 1]]);
    expect(kinds('## A\n<!-- write the reasoning here -->\n### Sub\n\n## B', 'A')).toEqual([['empty', 1]]);
  });

  it('a section holding only placeholders is blank; a stray TODO in prose is not', () => {
    expect(kinds('## A\nTBD\n- TODO: fill in\n_\n<reasoning>\n**TBD**', 'A')).toEqual([
      ['placeholder', 2],
      ['placeholder', 3],
      ['placeholder', 4],
      ['placeholder', 5],
      ['placeholder', 6],
    ]);
    expect(kinds('## A\nReal words.\nTODO: polish', 'A')).toEqual([]);
  });

  it('finds a blank or placeholder cell in a table, naming the column and row', () => {
    const text = [
      '## Calendar',
      '| Item | Window | Slip |',
      '|------|:------:|-----:|',
      '| P1 | 2w | 10% |',
      '| P2 | 1w |  |',
      '| P3 | TBD | 0% |',
      '',
      'after the table',
    ].join('\n');
    const s = findSection(text, 'Calendar');
    const found = s ? blanks(s) : [];
    expect(found.map((b) => [b.kind, b.line])).toEqual([
      ['table_cell', 5],
      ['table_cell', 6],
    ]);
    expect(found[0]?.detail).toContain("'Slip'");
    expect(found[0]?.detail).toContain("'P2'");
  });

  it('a cell or a line that renders as nothing (&nbsp;, <br>, a zero-width space) is blank', () => {
    expect(kinds('## A\n| a | b |\n|---|---|\n| x | &nbsp; |\n| y | &#160;<br/> |\n', 'A')).toEqual([
      ['table_cell', 4],
      ['table_cell', 5],
    ]);
    expect(kinds('## A\n\n&nbsp;\n\n\u200b\n', 'A')).toEqual([
      ['placeholder', 3],
      ['placeholder', 5],
    ]);
    expect(kinds('## J\nJudgement: &nbsp;\n', 'J')).toEqual([['judgement', 2]]);
    // Beside words, it is part of an answer.
    expect(kinds('## A\n| a | b |\n|---|---|\n| x | 10&nbsp;% |\n', 'A')).toEqual([]);
  });

  it('a row with fewer cells than the header is blank in the missing ones', () => {
    expect(kinds('## A\n| a | b |\n|---|---|\n| 1 |\n', 'A')).toEqual([['table_cell', 4]]);
  });

  it('a fully filled table is filled, escaped pipes included', () => {
    expect(kinds('## A\n| a | b |\n|---|---|\n| x \\| y | 2 |\n', 'A')).toEqual([]);
  });

  it('finds a judgement line with nothing after the colon', () => {
    expect(kinds('## J\nJudgement:\nSigned-off-by:\n', 'J')).toEqual([
      ['judgement', 2],
      ['judgement', 3],
    ]);
    expect(kinds('## J\n- **Decision:** \n', 'J')).toEqual([['judgement', 2]]);
    expect(kinds('## J\n**Verdict**: TBD\n', 'J')).toEqual([['judgement', 2]]);
    expect(kinds('## J\nJudgement: go\nSigned-off-by: Alice <alice@example.com>\n', 'J')).toEqual([]);
  });

  it('accepts the answer on the line after the label, but not another label or a comment', () => {
    expect(kinds('## J\nDecision:\n\nGo, with the listed conditions.\n', 'J')).toEqual([]);
    expect(kinds('## J\nDecision:\nRationale: later\n', 'J')).toEqual([['judgement', 2]]);
    expect(kinds('## J\nDecision:\n<!-- go / no-go -->\n', 'J')).toEqual([['judgement', 2]]);
  });

  it('a thematic break is no content: a section holding only one is empty, and it answers no label', () => {
    // A template's rule before the next section, left as the template drew it.
    expect(kinds('## J\n\n<!-- your judgement -->\n\n---\n\n## K\nk\n', 'J')).toEqual([['empty', 1]]);
    expect(kinds('## J\n\n***\n\n* * *\n', 'J')).toEqual([['empty', 1]]);
    expect(kinds('## J\nJudgement:\n\n---\n', 'J')).toEqual([['judgement', 2]]);
    expect(kinds('## J\nJudgement: go\n\n---\n', 'J')).toEqual([]);
    // In code, the same line is the code's content.
    expect(kinds('## J\n```\n---\n```\n', 'J')).toEqual([]);
  });

  it('ignores judgement-looking lines inside code', () => {
    expect(kinds('## J\nThe template:\n```\nJudgement:\n```\n', 'J')).toEqual([]);
  });
});

describe('HTML comments beside text on one line', () => {
  const body = (text: string, name: string) => findSection(text, name)?.body.map((l) => [l.text, l.comment]);

  it('reads the text after a comment closes, on the line it opened or a later one', () => {
    expect(kinds('## J\n<!-- go or no-go --> Judgement: go\n', 'J')).toEqual([]);
    expect(sectionText(findSection('## J\n<!-- go or no-go --> Judgement: go\n', 'J') as never)).toBe(
      ' Judgement: go\n',
    );
    const multi = ['## J', '<!-- Fill in:', 'Judgement: go / no-go', '--> Judgement: no-go'].join('\n');
    expect(kinds(multi, 'J')).toEqual([]);
    expect(body(multi, 'J')).toEqual([
      ['', true],
      ['', true],
      [' Judgement: no-go', false],
    ]);
    // Empty comments close where they open.
    expect(kinds('## J\n<!----> Judgement: go\n<!--> Signed-off-by: Alice\n', 'J')).toEqual([]);
  });

  it('reads the text before a comment, and a comment opened mid-line hides what follows until it closes', () => {
    expect(kinds('## J\nJudgement: go <!-- the reviewer fills this in -->\n', 'J')).toEqual([]);
    expect(kinds('## J\nJudgement: <!-- go / no-go -->\n', 'J')).toEqual([['judgement', 2]]);
    const text = ['## A', 'Reasoning below. <!-- template:', '# Not a heading', 'TBD', '-->', '## B', 'b'].join('\n');
    expect(headings(text).map((h) => h.text)).toEqual(['A', 'B']);
    expect(body(text, 'A')).toEqual([
      ['Reasoning below. ', false],
      ['', true],
      ['', true],
      ['', true],
    ]);
  });

  it('a heading with a comment after its text is found by that text', () => {
    expect(
      findSection('## Calendar reasoning <!-- one row per item -->\nP1 slipped 10%.\n', 'Calendar reasoning')?.heading,
    ).toEqual({
      level: 2,
      text: 'Calendar reasoning',
      line: 1,
    });
    // A line opening with a comment is no heading, nor a setext heading's text.
    expect(headings('<!-- x --> # Not a heading\n<!-- y --> Nor this\n---\n')).toEqual([]);
  });

  it('keeps <!-- inside fenced code and inline code literal', () => {
    const fenced = ['## A', '```html', '<!-- a template', '```', 'after the fence'].join('\n');
    expect(body(fenced, 'A')?.at(-1)).toEqual(['after the fence', false]);
    expect(kinds(fenced, 'A')).toEqual([]);
    expect(body('## A\nWrite `<!--` to open a comment.\nTBD is not hidden.\n', 'A')).toEqual([
      ['Write `<!--` to open a comment.', false],
      ['TBD is not hidden.', false],
      ['', false],
    ]);
    // A fence's info string is its own: a comment there does not stop it being a fence.
    expect(headings('```sh <!-- shell -->\n# not a heading\n```\n# real').map((h) => h.text)).toEqual(['real']);
  });

  it('extraction reads what the document says, not the instructions in its comments', () => {
    const doc = ['# Go decision', '<!-- Largest slip: 30% (example) -->', '<!-- e.g. 5% --> Largest slip: 12%'].join(
      '\n',
    );
    expect(visibleText(doc)).toBe('# Go decision\n\n Largest slip: 12%');
    expect(/Largest slip:\s*([0-9.]+)%/.exec(visibleText(doc))?.[1]).toBe('12');
    expect(sectionText(findSection(doc, 'Go decision') as never)).toBe('\n Largest slip: 12%');
  });
});

describe('tables', () => {
  it('reads each GFM table with its header, rows and lines; a fenced one, a comment or a heading ends or hides it', () => {
    const doc = [
      '# Calendar', // 1
      '| item | slip % |', // 2
      '|:---|---:|', // 3
      '| a | 10% |', // 4
      '| b \\| c | 40% |', // 5
      '<!-- end -->', // 6
      '| after | comment |', // 7
      '```', // 8
      '| x | y |', // 9
      '|---|---|', // 10
      '| 1 | 2 |', // 11
      '```', // 12
      'item | slip %', // 13
      '--- | ---', // 14
      '## Next', // 15
    ].join('\n');
    expect(tables(documentLines(doc))).toEqual([
      {
        line: 2,
        header: ['item', 'slip %'],
        rows: [
          { line: 4, cells: ['a', '10%'] },
          { line: 5, cells: ['b \\| c', '40%'] },
        ],
      },
      { line: 13, header: ['item', 'slip %'], rows: [] },
    ]);
  });
});

describe('isPlaceholder', () => {
  it('knows the usual stand-ins', () => {
    for (const t of [
      '',
      'TBD',
      'tbd.',
      'TODO',
      '___',
      '<name>',
      '[TBD]',
      '(todo)',
      '`TBD`',
      '...',
      '…',
      '?',
      '_TBD_',
      '__TODO__',
    ]) {
      expect(isPlaceholder(t), t).toBe(true);
    }
    for (const t of ['go', 'n/a', '0', '-', 'Todos are done', 'Tuesday', '_go_', '__init__'])
      expect(isPlaceholder(t), t).toBe(false);
  });

  it('a placeholder in underscore emphasis is still one, in a table cell as anywhere', () => {
    expect(kinds('## A\n| a | b |\n|---|---|\n| x | _TBD_ |\n', 'A')).toEqual([['table_cell', 4]]);
    expect(kinds('## J\nJudgement: _TBD_\n', 'J')).toEqual([['judgement', 2]]);
  });
});
