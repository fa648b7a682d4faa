import { runWideHogCount, startCpuHogs, type CpuHogs } from './cpu-hog.ts';

/**
 * vitest's global setup: with WORKSHOP_CPU_HOGS set, busy processes spin for the whole run, so
 * that the suite shows its verdicts do not depend on an idle machine
 * (`WORKSHOP_CPU_HOGS=cores npm test`: one per core).
 *
 * Each project of vitest.config.ts runs its global setup, all in vitest's own process: the hogs
 * are shared through the process, started by the first project and stopped after the last.
 */
const shared = globalThis as typeof globalThis & { workshopRunHogs?: { hogs: Promise<CpuHogs>; users: number } };

export async function setup(): Promise<void> {
  const count = runWideHogCount();
  if (count === 0) return;
  if (!shared.workshopRunHogs) {
    shared.workshopRunHogs = { hogs: startCpuHogs(count), users: 0 };
    console.log(`${count} busy process${count === 1 ? '' : 'es'} spinning for the whole run (WORKSHOP_CPU_HOGS=${process.env.WORKSHOP_CPU_HOGS})`);
  }
  shared.workshopRunHogs.users++;
  await shared.workshopRunHogs.hogs;
}

export async function teardown(): Promise<void> {
  const run = shared.workshopRunHogs;
  if (!run || --run.users > 0) return;
  shared.workshopRunHogs = undefined;
  await (await run.hogs).stop();
}
