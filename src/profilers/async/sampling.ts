/**
 * Recording an operation costs a stack capture, and a capture costs far more when it is rare,
 * as V8's code for it has left the caches by then. Measured (the one place these figures live):
 * in a tight loop, Error.captureStackTrace takes 4 µs when every operation makes one and 75 to
 * 90 µs when one in a hundred does (40 µs even with no frames to walk); in an express handler's
 * optimised code, 15 µs on every request and 60 to 160 µs once in fifty. A service doing a few thousand operations a second would give a tenth of
 * its time to the tracker. So while a profile that only sums waits runs (a wall profile), the
 * tracker spends at most BUDGET of the CPU time the process uses recording: each operation is
 * recorded with a probability chosen to stay within it, and stands for 1/probability
 * operations (its weight), which keeps sums over many operations unbiased, as Go's heap profile
 * scales up the allocations it samples. A program doing under 500 operations a second is
 * recorded whole; outside such a profile, every operation is.
 *
 * A share of CPU time, not of the clock, so that the tracker costs a half-idle server the same
 * share of its work as a saturated one. Half of one per cent, because only the recording itself
 * is timed, and the benchmark's express app (bench/wall-overhead.ts) lost about twice the time
 * timed: the program's own code runs slower after a capture has evicted it from the caches.
 */
const BUDGET = 0.005;
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
 * a flood and be sampled. The cap stays well above what even a rare capture costs (above).
 */
const MOST_COUNTED_MS = 1;
/**
 * A CPU clock that moves in steps above this is too coarse to time one recording (Windows
 * counts process time in 15.6 ms ticks); the clock alone times recordings then.
 */
const FINEST_COARSE_STEP_MICROS = 50;

/**
 * What sampling reads: the clock; the process's CPU time (user and system, microseconds, all
 * its threads), which the budget is a share of; this thread's CPU time, to time one recording
 * by, NaN where Node cannot tell it (before 22.19); and a random number in [0, 1). Replaceable
 * for tests (useSamplingClocks).
 */
export interface SamplingClocks {
  nowMs(): number;
  cpuMicros(): number;
  threadCpuMicros(): number;
  random(): number;
}

const systemClocks: SamplingClocks = {
  nowMs: () => performance.now(),
  cpuMicros() {
    const { user, system } = process.cpuUsage();
    return user + system;
  },
  threadCpuMicros() {
    if (typeof process.threadCpuUsage !== 'function') return Number.NaN;
    const { user, system } = process.threadCpuUsage();
    return user + system;
  },
  random: Math.random,
};
let clocks = systemClocks;

interface SamplingState {
  /** Profiles that asked for sampling and have not released it. */
  users: number;
  probability: number;
  /**
   * Operations still to pass unrecorded before the next is recorded, while probability < 1. Each
   * gap between recordings is drawn from 1/2 to 3/2 of 1/probability, not from Bernoulli trials:
   * the number recorded then hardly varies, where with a coin per operation its spread was the
   * largest error of a short flood's waits (test/fixtures/wall/flood.ts, some 60 recordings at 1
   * in 1,024: its total's standard deviation over 10 runs fell from 0.16 to 0.05). The jitter
   * keeps a program that cycles through its call sites from being recorded at the same one every
   * time (a fixed stride of 1,024 over 24 sites comes back to 3 of them).
   */
  untilNext: number;
  /** Since sampling was last switched on: the lowest probability, and the operations offered and recorded. */
  lowest: number;
  offeredInAll: number;
  recordedInAll: number;
  windowStart: number;
  /** The process's CPU time (user and system, microseconds) at windowStart. */
  windowStartCpuMicros: number;
  /** Operations that started since windowStart, recorded or not. */
  offered: number;
  /** Of those, the ones recorded. */
  recorded: number;
  /** Milliseconds spent recording operations since windowStart. */
  spentMs: number;
  /** What recording one operation costs, averaged over the windows so far; NaN before the first. */
  costMs: number;
  /** Whether the CPU clock is fine enough to time one recording; undefined until first looked at. */
  cpuClockFine: boolean | undefined;
}

/** Kept on globalThis, as the registry's state is, so that two copies of the tracker share one budget. */
const samplingKey = Symbol.for('node-profiling-workshop.async-sampling');
const sampling: SamplingState = ((globalThis as Record<symbol, SamplingState>)[samplingKey] ??= {
  users: 0,
  probability: 1,
  untilNext: 0,
  lowest: 1,
  offeredInAll: 0,
  recordedInAll: 0,
  windowStart: 0,
  windowStartCpuMicros: 0,
  offered: 0,
  recorded: 0,
  spentMs: 0,
  costMs: Number.NaN,
  cpuClockFine: undefined,
});

/**
 * Whether to record the operation starting now: undefined to let it pass untracked, else its
 * weight, the number of operations it stands for (1 unless sampling is on and the tracker busy).
 */
export function sampleOperation(): number | undefined {
  if (sampling.users === 0) return 1;
  const now = clocks.nowMs();
  const elapsed = now - sampling.windowStart;
  if (elapsed >= WINDOW_MS) {
    // From the operations offered (counted exactly) and what one costs (averaged, as a few
    // measurements are noisy), the share of them the budget pays for.
    if (sampling.recorded > 0) {
      const cost = sampling.spentMs / sampling.recorded;
      sampling.costMs = Number.isNaN(sampling.costMs) ? cost : 0.7 * sampling.costMs + 0.3 * cost;
    }
    const cpuMicros = clocks.cpuMicros();
    const wanted = sampling.offered * sampling.costMs;
    const allowed = (BUDGET * (cpuMicros - sampling.windowStartCpuMicros)) / 1000;
    setProbability(sampling.offered >= FEWEST_SAMPLED && wanted > allowed ? Math.max(LOWEST_PROBABILITY, allowed / wanted) : 1);
    sampling.windowStart = now;
    sampling.windowStartCpuMicros = cpuMicros;
    sampling.offered = 0;
    sampling.recorded = 0;
    sampling.spentMs = 0;
  }
  sampling.offered++;
  sampling.offeredInAll++;
  if (sampling.probability < 1) {
    sampling.untilNext--;
    if (sampling.untilNext > 0) return undefined;
    // Kept fractional, so that the gaps average 1/probability exactly.
    sampling.untilNext += (0.5 + clocks.random()) / sampling.probability;
  }
  sampling.recorded++;
  sampling.recordedInAll++;
  return 1 / sampling.probability;
}

function setProbability(probability: number): void {
  if (probability < 1) {
    // The way to the next recording keeps its share of the gap; coming from recording every
    // operation, it starts anywhere in one.
    sampling.untilNext = sampling.probability < 1 ? (sampling.untilNext * sampling.probability) / probability : clocks.random() / probability;
  }
  sampling.probability = probability;
  sampling.lowest = Math.min(sampling.lowest, probability);
}

/**
 * This thread's CPU time now, to time a recording by (see spentSince); NaN while sampling is
 * off, as nothing is timed then. Read only for operations recorded. The thread's clock, not the
 * process's: on Linux, reading the process's CPU time (getrusage of every thread) gives up the
 * core on a busy machine; with a CPU hog on each core it took 200 to 300 µs of the clock a call,
 * and V8's samples piled up in it, each charged the code before it, where the thread's clock
 * takes 5 to 10 µs.
 */
export function cpuMark(): number {
  return sampling.users > 0 && sampling.cpuClockFine ? clocks.threadCpuMicros() : Number.NaN;
}

/**
 * Counts the time from `sinceMs` (a performance.now() reading) and `sinceCpuMicros` (cpuMark's)
 * to now as spent recording, if sampling is on: the lower of the two, as the clock also counts
 * the time the thread waited for a core, which on a busy machine can be most of it. Without the
 * thread's CPU clock, the clock alone times a recording.
 */
export function spentSince(sinceMs: number, sinceCpuMicros: number): void {
  if (sampling.users === 0) return;
  const clockMs = clocks.nowMs() - sinceMs;
  const cpuMs = Number.isNaN(sinceCpuMicros) ? clockMs : (clocks.threadCpuMicros() - sinceCpuMicros) / 1000;
  sampling.spentMs += Math.min(MOST_COUNTED_MS, clockMs, cpuMs);
}

/**
 * Whether the thread's CPU clock moves in steps fine enough to time a recording: it is read
 * until it moves (at once, where it counts in microseconds), for at most a millisecond. False
 * where there is no such clock.
 */
function cpuClockIsFine(): boolean {
  const first = clocks.threadCpuMicros();
  if (Number.isNaN(first)) return false;
  const giveUp = clocks.nowMs() + 1;
  while (clocks.nowMs() < giveUp) {
    const step = clocks.threadCpuMicros() - first;
    if (step > 0) return step <= FINEST_COARSE_STEP_MICROS;
  }
  return false;
}

/** What sampling did while it was on. */
export interface SamplingSummary {
  /** 1: every operation was recorded. */
  lowestProbability: number;
  offered: number;
  recorded: number;
}

/** Switches sampling on until the returned function is called; it says what sampling did. */
export function startSampling(): () => SamplingSummary {
  if (sampling.users++ === 0) {
    sampling.cpuClockFine ??= cpuClockIsFine();
    sampling.probability = 1;
    sampling.untilNext = 0;
    sampling.lowest = 1;
    sampling.offeredInAll = 0;
    sampling.recordedInAll = 0;
    sampling.windowStart = clocks.nowMs();
    sampling.windowStartCpuMicros = clocks.cpuMicros();
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
    return { lowestProbability: sampling.lowest, offered: sampling.offeredInAll, recorded: sampling.recordedInAll };
  };
}

/**
 * Reads `replacement` instead of the system's clocks until the returned function is called; for
 * tests, with sampling off. The CPU clock is looked at afresh when sampling next starts.
 */
export function useSamplingClocks(replacement: SamplingClocks): () => void {
  clocks = replacement;
  sampling.cpuClockFine = undefined;
  return () => {
    clocks = systemClocks;
    sampling.cpuClockFine = undefined;
  };
}
