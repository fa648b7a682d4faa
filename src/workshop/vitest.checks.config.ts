import { defineConfig } from 'vitest/config';

/**
 * How `npm run check` runs one exercise's check.test.ts (named by WORKSHOP_CHECK): alone, in
 * order, with time for the programs a check runs, and no cache beside the learner's files.
 */
export default defineConfig({
  test: {
    include: [process.env.WORKSHOP_CHECK ?? 'no-check-named'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    sequence: { concurrent: false },
    fileParallelism: false,
  },
});
