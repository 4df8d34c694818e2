import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    pool: 'forks',
    // The suite mostly waits on the processes it starts (git, the CLI, PostgreSQL); vitest's
    // default of one worker per core but one runs it serially on 2 cores (658 s against 464 s
    // with two workers, here). Each test file works in a database or schema of its own.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // A hang guard, not a speed check: a CLI test runs a dozen commands in turn, each opening
    // an embedded database, and on 2 cores shared with other work (load average 12-14) one took
    // 70-80 s; a quiet run takes a few seconds.
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
