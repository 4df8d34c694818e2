/**
 * The fixture repository of the cite tests: a small Python tree where commit 2 inserts
 * lines above the lock helper (so a citation of it drifts) and the RFC document citing it
 * in every form, with a claim for each verdict.
 */
import { createRepo, type FixtureRepo } from '../helpers/git-fixture.js';

export const HANDLERS_V1 = [
  'import asyncio',
  '',
  'def process_agent_update(agent):',
  '    with lock_for(agent):',
  '        return apply(agent)',
  '',
  '_SESSION_LOCKS = {}',
  '',
  'def lock_for(agent):',
  '    return _SESSION_LOCKS.setdefault(agent, asyncio.Lock())',
  '',
].join('\n');

/** Three lines inserted after line 6: everything from `_SESSION_LOCKS` down moves by 3. */
export const HANDLERS_V2 = HANDLERS_V1.replace(
  '\n\n_SESSION_LOCKS',
  '\n\n# Locks are per agent and per process.\n# Wave 3 replaces them with a mailbox.\n\n_SESSION_LOCKS',
);

export const SCHEMA = ['CREATE TABLE core.sessions (id text);', 'CREATE TRIGGER trg_sessions_updated_at;', ''].join(
  '\n',
);

export const RFC = `# Demo RFC

The update entry point \`process_agent_update\` is at \`src/app/handlers.py:3\`.

The lock helper \`lock_for()\` is defined at \`handlers.py:9-10\`; its registry
\`_SESSION_LOCKS\` sits at src/app/handlers.py:7 in plain text.

The trigger \`trg_dialectic_missing\` is at \`src/db/schema.sql:2\`.

The schema starts at \`src/db/schema.sql:1\`, and it ends at \`src/db/schema.sql:40\`.

Both calls, \`lock_for()\` and \`apply()\`, are at \`src/app/handlers.py:4,5\`.

The definition is \`src/app/handlers.py::process_agent_update\`; \`handlers.py::no_such_function\` is not.

A helper lives in \`util.py:1\`, and \`src/nowhere.py:3\` is gone.

| surface | where |
| ------- | ----- |
| trigger | \`trg_sessions_updated_at\` at \`schema.sql:2\` |

\`\`\`text
src/app/handlers.py:99 inside a fence is not a citation
\`\`\`

    src/app/handlers.py:98 indented code is not one either

See [the source](https://example.com/src/app/handlers.py:97) for more.
`;

export interface CiteFixture {
  repo: FixtureRepo;
  v1: string;
  v2: string;
}

export function citeFixture(): CiteFixture {
  const repo = createRepo();
  const v1 = repo.commit({
    files: {
      'src/app/handlers.py': HANDLERS_V1,
      'src/db/schema.sql': SCHEMA,
      'lib/util.py': 'x = 1\n',
      'tools/util.py': 'y = 2\n',
      'rfcs/demo.md': RFC,
    },
    message: 'first cut',
    date: '2026-05-01T10:00:00Z',
  });
  const v2 = repo.commit({
    files: { 'src/app/handlers.py': HANDLERS_V2 },
    message: 'comment the locks',
    date: '2026-05-02T10:00:00Z',
  });
  return { repo, v1, v2 };
}
