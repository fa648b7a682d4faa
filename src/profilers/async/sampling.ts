import { state } from './registry.ts';

/**
 * Recording an operation costs a stack capture, and V8 walking a server's optimised frames takes
 * 15 to 160 µs of the thread (measured in an express handler): a service doing a few thousand
 * operations a second would give a tenth of its time to the tracker. So while a profile that
 * only sums waits runs (a wall profile), the tracker spends at most BUDGET of the thread's time
 * recording: each operation is recorded with a probability chosen to stay within it, and
 * stands for 1/probability operations (its weight), which keeps sums over many operations
 * unbiased, as Go's heap profile scales up the allocations it samples. A program doing under
 * 500 operations a second is recorded whole; outside such a profile, every operation is.
 */
const BUDGET = 0.01;
/** How often the probability is set again from the time spent since. */
const WINDOW_MS = 100;
const LOWEST_PROBABILITY = 1 / 1024;
/**
 * Fewer operations a window than this are all recorded, whatever they cost: a quiet program's
 * first operations pay for reading source maps, and its profile should be exact.
 */
const FEWEST_SAMPLED = 50;
/**
 * The most one recording counts for. The first capture at a place reads and parses source
 * maps, milliseconds once; counted in full, a program's first few operations would look like
 * a flood and be sampled. A capture that is rare costs more than one made on every request
 * (60 to 160 µs once in fifty requests, 15 µs on each: V8's frame walking runs cold), so the
 * cap stays well above that.
 */
const MOST_COUNTED_MS = 1;

export interface SamplingState {
  /** Profiles that asked for sampling and have not released it. */
  users: number;
  probability: number;
  /** The lowest probability since sampling was last switched on. */
  lowest: number;
  windowStart: number;
  /** Operations that started since windowStart, recorded or not. */
  offered: number;
  /** Of those, the ones recorded. */
  recorded: number;
  /** Milliseconds spent recording operations since windowStart. */
  spentMs: number;
  /** What recording one operation costs, averaged over the windows so far; NaN before the first. */
  costMs: number;
}

/**
 * Whether to record the operation starting now: undefined to let it pass untracked, else its
 * weight, the number of operations it stands for (1 unless sampling is on and the tracker busy).
 */
export function sampleOperation(): number | undefined {
  const sampling = state.sampling;
  if (sampling.users === 0) return 1;
  const now = performance.now();
  const elapsed = now - sampling.windowStart;
  if (elapsed >= WINDOW_MS) {
    // From the operations offered (counted exactly) and what one costs (averaged, as a few
    // measurements are noisy), the share of them the budget pays for.
    if (sampling.recorded > 0) {
      const cost = sampling.spentMs / sampling.recorded;
      sampling.costMs = Number.isNaN(sampling.costMs) ? cost : 0.7 * sampling.costMs + 0.3 * cost;
    }
    const wanted = sampling.offered * sampling.costMs;
    const allowed = BUDGET * elapsed;
    sampling.probability = sampling.offered >= FEWEST_SAMPLED && wanted > allowed ? Math.max(LOWEST_PROBABILITY, allowed / wanted) : 1;
    sampling.lowest = Math.min(sampling.lowest, sampling.probability);
    sampling.windowStart = now;
    sampling.offered = 0;
    sampling.recorded = 0;
    sampling.spentMs = 0;
  }
  sampling.offered++;
  if (sampling.probability < 1 && Math.random() >= sampling.probability) return undefined;
  sampling.recorded++;
  return 1 / sampling.probability;
}

/** Counts `sinceMs` (a performance.now() reading) to now as time spent recording, if sampling is on. */
export function spentSince(sinceMs: number): void {
  if (state.sampling.users > 0) state.sampling.spentMs += Math.min(MOST_COUNTED_MS, performance.now() - sinceMs);
}

/**
 * Switches sampling on until the returned function is called; it returns the lowest
 * probability used meanwhile (1: every operation was recorded).
 */
export function startSampling(): () => number {
  const sampling = state.sampling;
  if (sampling.users++ === 0) {
    sampling.probability = 1;
    sampling.lowest = 1;
    sampling.windowStart = performance.now();
    sampling.offered = 0;
    sampling.recorded = 0;
    sampling.spentMs = 0;
    sampling.costMs = Number.NaN;
  }
  let released = false;
  return () => {
    if (!released) {
      released = true;
      sampling.users--;
    }
    return sampling.lowest;
  };
}
