import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';

export interface CpuHogs {
  /** How many busy processes run. */
  readonly count: number;
  /** Ends them and waits until they have exited. */
  stop(): Promise<void>;
}

/**
 * Keeps every core busy with other work, as a shared machine is: one process per core spinning
 * in a loop, so a profile taken meanwhile shows what contention does to it.
 */
export async function startCpuHogs(count = availableParallelism()): Promise<CpuHogs> {
  const hogs: ChildProcess[] = [];
  for (let i = 0; i < count; i++) {
    const hog = spawn(process.execPath, ['-e', 'process.send("spinning"); for (;;);'], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
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
