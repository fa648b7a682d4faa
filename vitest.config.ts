import { defineConfig } from 'vitest/config';

/** Tests that measure a profiler's accuracy against the clock, run alone, after the rest. */
const ALONE = 'test/**/*.sequential.test.ts';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // WORKSHOP_CPU_HOGS=cores: the whole run on a machine whose every core is busy besides.
    globalSetup: ['test/helpers/cpu-hog-setup.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'suite',
          include: ['test/**/*.test.ts'],
          exclude: [ALONE],
          // Profiling tests measure time; two cores cannot run many of them at once without skewing them.
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: { name: 'alone', include: [ALONE], fileParallelism: false, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
