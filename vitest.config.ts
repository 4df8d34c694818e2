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
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
