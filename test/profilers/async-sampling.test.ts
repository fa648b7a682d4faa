import { afterEach, describe, expect, it } from 'vitest';
import { cpuMark, sampleOperation, spentSince, startSampling, useSamplingClocks } from '../../src/profilers/async/sampling.ts';

/** mulberry32: a seeded generator, so that what is sampled is the same on every run. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Program {
  /** Operations it starts in 100 ms (one window of the sampler). */
  operationsPerWindow: number;
  /** Its CPU time per millisecond of the clock, in microseconds: 500 is half a core. */
  cpuMicrosPerMs: number;
  /**
   * What recording one operation advances the clock by, the process's CPU time by and its
   * thread's CPU time by (as the process's unless given).
   */
  recording: { clockMicros: number; cpuMicros: number; threadCpuMicros?: number };
  /** The CPU clocks count in steps of this many microseconds (1: exactly). */
  cpuTickMicros?: number;
  /** Node tells no thread's CPU time (before 22.19). */
  noThreadClock?: boolean;
  /** Call sites it goes round, one operation each in turn. */
  sites?: number;
}

let restore: (() => void) | undefined;
afterEach(() => restore?.());

/**
 * Runs `program` for `windows` windows against the sampler on simulated clocks (each reading of
 * the clock takes a microsecond, as a real one takes a fraction of one) and says what sampling
 * did, and how many operations the recorded ones stand for, per call site.
 */
function simulate(program: Program, windows: number, seed = 17) {
  let nowMicros = 1e6;
  let cpuMicros = 0;
  let threadCpuMicros = 0;
  const advance = (micros: number, cpu = (micros * program.cpuMicrosPerMs) / 1000, threadCpu = cpu) => {
    nowMicros += micros;
    cpuMicros += cpu;
    threadCpuMicros += threadCpu;
  };
  const tick = program.cpuTickMicros ?? 1;
  restore = useSamplingClocks({
    nowMs() {
      advance(1);
      return nowMicros / 1000;
    },
    cpuMicros: () => Math.floor(cpuMicros / tick) * tick,
    threadCpuMicros: () => (program.noThreadClock ? Number.NaN : Math.floor(threadCpuMicros / tick) * tick),
    random: seededRandom(seed),
  });
  const stop = startSampling();
  const sites = program.sites ?? 1;
  const estimated = new Array<number>(sites).fill(0);
  const operations = program.operationsPerWindow * windows;
  for (let i = 0; i < operations; i++) {
    advance(100_000 / program.operationsPerWindow);
    const weight = sampleOperation();
    if (weight === undefined) continue;
    estimated[i % sites]! += weight;
    const began = nowMicros / 1000;
    const beganCpu = cpuMark();
    const { clockMicros, cpuMicros: recordingCpu, threadCpuMicros: recordingThreadCpu = recordingCpu } = program.recording;
    advance(clockMicros, recordingCpu, recordingThreadCpu);
    spentSince(began, beganCpu);
  }
  return { ...stop(), estimated, operations };
}

// A program starting 10,000 operations a second on half a core: its budget, 0.5% of 50 ms a
// window, pays for 50 recordings of 5 µs of CPU, one operation in 20.
const busy = { operationsPerWindow: 1000, cpuMicrosPerMs: 500 };

describe('async tracker sampling', () => {
  it('sets the probability from what a recording costs in CPU time', () => {
    const { lowestProbability } = simulate({ ...busy, recording: { clockMicros: 5, cpuMicros: 5 } }, 30);
    expect(lowestProbability).toBeGreaterThan(0.04);
    expect(lowestProbability).toBeLessThan(0.06);
  });

  it('does not charge a recording the time its thread waited for a core', () => {
    // Descheduled in every recording: 800 µs on the clock for 5 µs of work. Charged by the
    // clock, the recordings would look 160 times dearer and the probability fall to its floor.
    const { lowestProbability } = simulate({ ...busy, recording: { clockMicros: 800, cpuMicros: 5 } }, 30);
    expect(lowestProbability).toBeGreaterThan(0.04);
    expect(lowestProbability).toBeLessThan(0.06);
  });

  it("does not charge a recording what the process's other threads did meanwhile", () => {
    // Their work counts in the process's CPU time, so the budget grows with it (the more where a
    // recording takes long on the clock); a recording is timed by its own thread's CPU time.
    for (const clockMicros of [5, 800]) {
      const { lowestProbability } = simulate({ ...busy, recording: { clockMicros, cpuMicros: 400, threadCpuMicros: 5 } }, 30);
      expect(lowestProbability).toBeGreaterThan(0.04);
      expect(lowestProbability).toBeLessThan(0.08);
    }
  });

  it('times recordings by the clock where Node tells no thread CPU time', () => {
    const { lowestProbability } = simulate({ ...busy, recording: { clockMicros: 5, cpuMicros: 5 }, noThreadClock: true }, 30);
    expect(lowestProbability).toBeGreaterThan(0.04);
    expect(lowestProbability).toBeLessThan(0.06);
    // Descheduled in every recording, the clock makes each look 160 times dearer.
    expect(simulate({ ...busy, recording: { clockMicros: 800, cpuMicros: 5 }, noThreadClock: true }, 30).lowestProbability).toBeLessThan(0.001);
  });

  it('times recordings by the clock where the CPU clock counts in coarse ticks', () => {
    // Read in 15.6 ms ticks, nearly every recording would cost nothing and all be recorded.
    const { lowestProbability } = simulate({ ...busy, recording: { clockMicros: 5, cpuMicros: 5 }, cpuTickMicros: 15_600 }, 30);
    expect(lowestProbability).toBeGreaterThan(0.03);
    expect(lowestProbability).toBeLessThan(0.08);
  });

  it('records as many operations as its probability says, run after run, not as many as coins fall', () => {
    // 30 seconds of the program above, 20 times over: one operation in 20 recorded, some 15,000 a run.
    const totals = Array.from({ length: 20 }, (_, seed) => {
      const { estimated, operations } = simulate({ ...busy, recording: { clockMicros: 5, cpuMicros: 5 } }, 300, seed);
      return estimated[0]! / operations;
    });
    const mean = totals.reduce((sum, total) => sum + total, 0) / totals.length;
    const sd = Math.sqrt(totals.reduce((sum, total) => sum + (total - mean) ** 2, 0) / (totals.length - 1));
    expect(Math.abs(mean - 1)).toBeLessThan(0.005);
    // A coin per operation would spread the estimate by sqrt((1 - p) / (p n)), 0.8% here; the
    // jittered gaps by a quarter of that.
    const coinsSd = Math.sqrt((1 - 1 / 20) / (300_000 / 20));
    expect(sd).toBeLessThan(coinsSd / 2);
  });

  it('goes round every call site a program cycles through, at the lowest probability too', () => {
    // 20,000 operations a second on a third of a core, each recording 130 µs: the probability
    // stays at its floor, 1 in 1,024, a whole multiple of no number of sites, yet a fixed stride
    // would come back to 3 of these 24 sites only (1,024 = 16 mod 24), as in
    // test/fixtures/wall/flood.ts's 24 loops.
    const sites = 24;
    const { estimated, operations, lowestProbability } = simulate(
      { operationsPerWindow: 2000, cpuMicrosPerMs: 333, recording: { clockMicros: 130, cpuMicros: 130 }, sites },
      600,
    );
    expect(lowestProbability).toBe(1 / 1024);
    for (const count of estimated) expect(count / (operations / sites)).toBeGreaterThan(0.5);
  });
});
