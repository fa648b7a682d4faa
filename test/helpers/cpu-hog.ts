import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';

export interface CpuHogs {
  /** How many busy processes run. */
  readonly count: number;
  /** Ends them and waits until they have exited. */
  stop(): Promise<void>;
}

/**
 * Spins, looking up every 50 ms only to leave with its parent: a test that dies without
 * stopping its hogs must not leave them loading a shared machine.
 */
const HOG = `
process.on('disconnect', () => process.exit(0));
(function spin() {
  const until = Date.now() + 50;
  while (Date.now() < until);
  setImmediate(spin);
})();
process.send('spinning');
`;

/**
 * How many hogs the whole run has already (`WORKSHOP_CPU_HOGS=N npm test`, or `cores`: one per
 * core), started by test/helpers/cpu-hog-setup.ts.
 */
export function runWideHogCount(): number {
  const wanted = process.env.WORKSHOP_CPU_HOGS?.trim();
  if (!wanted) return 0;
  if (wanted === 'cores') return availableParallelism();
  const count = Number(wanted);
  if (!Number.isInteger(count) || count < 0) throw new Error(`WORKSHOP_CPU_HOGS=${wanted}: give a number of busy processes, or "cores" for one per core`);
  return count;
}

/**
 * Keeps every core busy with other work, as a shared machine is: one process per core spinning
 * in a loop, so a profile taken meanwhile shows what contention does to it. A core the run's own
 * hogs already keep busy gets none more: a test that asks for "a hog on every core" gets that
 * load, not twice it.
 */
export async function startCpuHogs(count = Math.max(0, availableParallelism() - runWideHogCount())): Promise<CpuHogs> {
  const hogs: ChildProcess[] = [];
  for (let i = 0; i < count; i++) {
    const hog = spawn(process.execPath, ['-e', HOG], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    hogs.push(hog);
  }
  await Promise.all(hogs.map((hog) => new Promise((resolve, reject) => hog.once('message', resolve).once('error', reject))));
  return {
    count,
    async stop() {
      await Promise.all(
        hogs.map((hog) => {
          if (hog.exitCode !== null || hog.signalCode !== null) return undefined;
          const exited = new Promise((resolve) => hog.once('exit', resolve));
          hog.kill('SIGKILL');
          return exited;
        }),
      );
    },
  };
}
