/**
 * What the tracker costs per operation: setTimeout + clearTimeout from a stack `depth` frames
 * deep under three async callers, without and with the tracker installed. Prints microseconds
 * per operation; the difference is the tracker's bookkeeping, nearly all of it the one stack
 * capture. Side by side in one process: the two measurements alternate per depth.
 *
 *   npm run bench -- async
 */
import { installAsyncTracker, uninstallAsyncTracker } from '../src/profilers/async-tracker.ts';

const OPERATIONS = 20_000;

function nested(depth: number, work: () => void): void {
  if (depth === 0) work();
  else nested(depth - 1, work);
}

function timerPairs(): void {
  for (let i = 0; i < OPERATIONS; i++) clearTimeout(setTimeout(() => {}, 1000));
}

/** Best of five, in microseconds per operation. */
async function measure(depth: number): Promise<number> {
  async function third(): Promise<number> {
    await null;
    const started = performance.now();
    nested(depth, timerPairs);
    return ((performance.now() - started) * 1000) / OPERATIONS;
  }
  async function second(): Promise<number> {
    await null;
    return third();
  }
  async function first(): Promise<number> {
    await null;
    return second();
  }
  let best = Infinity;
  for (let round = 0; round < 5; round++) best = Math.min(best, await first());
  return best;
}

export async function run(_options: { quick: boolean }): Promise<void> {
  console.log(`async-capture: setTimeout + clearTimeout, ${OPERATIONS} operations, best of 5, µs per operation`);
  console.log('stack depth   untracked    tracked   added   ratio');
  for (const depth of [5, 20, 50]) {
    const without = await measure(depth);
    installAsyncTracker();
    const tracked = await measure(depth);
    uninstallAsyncTracker();
    const cells = [without, tracked, tracked - without].map((v) => v.toFixed(2).padStart(9));
    console.log(`${`${depth} + 3 async`.padEnd(13)}${cells.join(' ')}  ${(tracked / without).toFixed(0).padStart(5)}x`);
  }
}
