import { defineConfig } from 'vitest/config';
import { CHECK_TIMEOUT_MS } from './check-api.ts';

/**
 * How `npm run check` runs one exercise's check.test.ts (named by WORKSHOP_CHECK) when it asks
 * vitest for more than the lean runner has (check-runner.ts): alone, in order, with time for the
 * programs a check runs, and no cache beside the learner's files.
 */
export default defineConfig({
  test: {
    include: [process.env.WORKSHOP_CHECK ?? 'no-check-named'],
    testTimeout: CHECK_TIMEOUT_MS,
    hookTimeout: CHECK_TIMEOUT_MS,
    sequence: { concurrent: false },
    fileParallelism: false,
  },
});
