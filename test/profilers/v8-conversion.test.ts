import { describe, expect, it } from 'vitest';
import { apportion, cpuProfileToPprof, type V8CpuProfile } from '../../src/profilers/v8-cpu-profile.ts';
import { heapProfileToPprof, unscaleSample } from '../../src/profilers/v8-heap-profile.ts';
import { sampleTypeNames, stacks } from '../helpers/profile.ts';

const frame = (functionName: string, lineNumber = 0) => ({ functionName, url: '/app/x.js', lineNumber, columnNumber: 0 });

/**
 * (root) -> main -> hot, plus V8's own (idle), (program) and (garbage collector) nodes. The
 * collections: one after (program) and before hot, two in a row after main, one between idles,
 * and two in a row after an idle and before hot.
 */
const v8: V8CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)', -1), children: [2, 4, 5, 6] },
    { id: 2, callFrame: frame('main', 9), children: [3] },
    {
      id: 3,
      callFrame: frame('hot', 1),
      positionTicks: [
        { line: 3, ticks: 4 },
        { line: 4, ticks: 1 },
      ],
    },
    { id: 4, callFrame: frame('(idle)', -1) },
    { id: 5, callFrame: frame('(program)', -1) },
    { id: 6, callFrame: frame('(garbage collector)', -1) },
  ],
  startTime: 1_000,
  // Each sample is charged its delta: the time since the sample before it.
  samples: [3, 3, 4, 3, 5, 6, 3, 2, 6, 6, 4, 6, 4, 6, 6, 3],
  timeDeltas: [10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 20, 10, 10, 10, 30],
  endTime: 1_190,
};

describe('cpuProfileToPprof', () => {
  const profile = cpuProfileToPprof(v8, { timeNanos: 5e18, periodNanos: 10_000 });

  it('has the CPU sample types and records the window', () => {
    expect(sampleTypeNames(profile)).toEqual(['samples/count', 'cpu/nanoseconds']);
    expect(Number(profile.period)).toBe(10_000);
    expect(Number(profile.durationNanos)).toBe(190_000);
  });

  it('weights samples by the time since the one before, drops (idle), keeps (program) and (garbage collector) as leaves, splits lines by ticks', () => {
    expect(stacks(profile)).toEqual([
      { frames: ['main /app/x.js:10'], values: [1, 10_000] },
      // hot: 5 samples charged 10+10+10+10+30 µs, split 4:1 over lines 3 and 4.
      { frames: ['hot /app/x.js:3', 'main /app/x.js:10'], values: [4, 56_000] },
      { frames: ['hot /app/x.js:4', 'main /app/x.js:10'], values: [1, 14_000] },
      { frames: ['(program) /app/x.js:0'], values: [1, 10_000] },
      // Between two idle samples, nothing allocated: it stays at the root.
      { frames: ['(garbage collector) /app/x.js:0'], values: [1, 20_000] },
      // The two after main go to main; the one after (program), and the two after an idle, to
      // hot, sampled next.
      { frames: ['(garbage collector) /app/x.js:0', 'main /app/x.js:10'], values: [2, 20_000] },
      { frames: ['(garbage collector) /app/x.js:0', 'hot /app/x.js:2', 'main /app/x.js:10'], values: [3, 30_000] },
    ]);
  });

  it("charges the time after the last sample to it, to the profile's end: the samples add up to the window less its idle time", () => {
    // V8's sampler went without a core for the last 300 µs of a busy loop.
    const silentAtTheEnd: V8CpuProfile = { ...v8, samples: [3, 3, 4, 2], timeDeltas: [10, 10, 10, 10], endTime: 1_340 };
    expect(stacks(cpuProfileToPprof(silentAtTheEnd, { timeNanos: 0, periodNanos: 10_000 }))).toEqual([
      { frames: ['main /app/x.js:10'], values: [1, 310_000] },
      { frames: ['hot /app/x.js:3', 'main /app/x.js:10'], values: [2, 16_000] },
      { frames: ['hot /app/x.js:4', 'main /app/x.js:10'], values: [0, 4_000] },
    ]);
    // Idle at the end, the thread had nothing to run: the time stays out.
    const idleAtTheEnd: V8CpuProfile = { ...silentAtTheEnd, samples: [3, 3, 2, 4] };
    const total = stacks(cpuProfileToPprof(idleAtTheEnd, { timeNanos: 0, periodNanos: 10_000 })).reduce((sum, s) => sum + s.values[1]!, 0);
    expect(total).toBe(30_000);
  });

  it('estimates the period from the samples when it is not given', () => {
    expect(Number(cpuProfileToPprof(v8, { timeNanos: 0 }).period)).toBe(10_000);
  });
});

describe('apportion', () => {
  it.each([
    [10, [3, 1], [8, 2]],
    [7, [1, 1, 1], [3, 2, 2]],
    [0, [5, 5], [0, 0]],
    [5, [0, 0], [0, 0]],
  ])('splits %i by %j into %j, summing to the total', (total, weights, parts) => {
    expect(apportion(total, weights)).toEqual(parts);
  });
});

describe('heap sample scaling', () => {
  const interval = 512 * 1024;
  // What V8 reports for one sample of an object of `size` bytes.
  const reported = (size: number) => size * Math.floor(1 / (1 - Math.exp(-size / interval)) + 0.5);

  it.each([16, 24, 32, 56, 1056, 4096, 65_536, 1_048_576, 8 * 1_048_576])('estimates how many %i-byte objects a sample stands for within 2x', (size) => {
    const truth = reported(size) / size;
    const { objects } = unscaleSample(reported(size), interval);
    expect(objects).toBeGreaterThanOrEqual(truth / 2);
    expect(objects).toBeLessThanOrEqual(truth * 2);
  });

  it.each([1_048_576 + 8, 8 * 1_048_576, 100 * 1_048_576])('counts %i-byte objects exactly', (size) => {
    expect(unscaleSample(reported(size), interval)).toEqual({ objectSize: size, objects: reported(size) / size });
  });

  it('converts a heap profile into in-use space and objects with a bytes label', () => {
    const profile = heapProfileToPprof(
      {
        head: {
          id: 1,
          callFrame: frame('(root)', -1),
          selfSize: 0,
          children: [{ id: 2, callFrame: frame('retain', 4), selfSize: 0, children: [] }],
        },
        samples: [
          { size: reported(1056), nodeId: 2, ordinal: 1 },
          { size: reported(1056), nodeId: 2, ordinal: 2 },
        ],
      },
      { kind: 'inuse', intervalBytes: interval, timeNanos: 0 },
    );
    expect(sampleTypeNames(profile)).toEqual(['inuse_space/bytes', 'inuse_objects/count']);
    const [sample] = stacks(profile);
    expect(sample!.frames).toEqual(['retain /app/x.js:5']);
    expect(sample!.values[0]).toBe(2 * reported(1056));
    // 497 objects of 1056 B per sample; the estimate lands within a few percent.
    expect(sample!.values[1]! / (2 * 497)).toBeCloseTo(1, 1);
  });
});

describe("cpuProfileToPprof of this process's program only", () => {
  const tracker = new URL('../../src/profilers/async/fetch.ts', import.meta.url).href;
  const trackerWork = new URL('../../src/profilers/async/stack.ts', import.meta.url).href;
  const profilers = new URL('../../src/profilers/session.ts', import.meta.url).href;
  const pprofModel = new URL('../../src/pprof/sourcemap.ts', import.meta.url).href;
  const at = (functionName: string, url: string) => ({ functionName, url, lineNumber: 5, columnNumber: 0 });
  // (root) -> main -> the tracker's fetch wrapper -> undici's fetch, and -> its stack capture ->
  // the source mapper; (root) -> the profiler's post; (root) -> a timer callback of the tracker's.
  const profile = cpuProfileToPprof(
    {
      nodes: [
        // As V8 gives it: no url.
        { id: 1, callFrame: { ...frame('(root)', -1), url: '' }, children: [2, 7, 8] },
        { id: 2, callFrame: frame('main', 9), children: [3] },
        { id: 3, callFrame: at('trackedFetch', tracker), children: [4, 5] },
        { id: 4, callFrame: at('fetch', 'node:internal/deps/undici/undici') },
        { id: 5, callFrame: at('userStack', trackerWork), children: [6] },
        { id: 6, callFrame: at('map', pprofModel) },
        { id: 7, callFrame: at('post', profilers) },
        { id: 8, callFrame: at('endThenFire', tracker) },
      ],
      startTime: 0,
      samples: [4, 4, 6, 7, 8, 2],
      timeDeltas: [10, 10, 10, 10, 10, 10],
      endTime: 60,
    },
    { timeNanos: 0, periodNanos: 10_000, programOnly: true },
  );

  it("charges the work inside the program's tracked call to the function that made it, and leaves out the tools' own", () => {
    // The API's work and the tracker's bookkeeping under main's fetch (3), and main's own
    // sample; the profiler's post and the tracker's timer callback, under no frame of the
    // program, go.
    expect(stacks(profile)).toEqual([{ frames: ['main /app/x.js:10'], values: [4, 40_000] }]);
  });
});

describe('WebAssembly in a profile of the program only', () => {
  const tsx = new URL('../../node_modules/tsx/dist/lexer.mjs', import.meta.url).href;
  const wasm = (functionName: string) => ({ functionName, url: 'wasm://wasm/f757504a', lineNumber: 0, columnNumber: 0 });
  // (root) -> tsx's lexer -> its wasm; (root) -> main -> the program's own wasm.
  const v8: V8CpuProfile = {
    nodes: [
      { id: 1, callFrame: { ...frame('(root)', -1), url: '' }, children: [2, 4] },
      { id: 2, callFrame: { functionName: 'parse', url: tsx, lineNumber: 0, columnNumber: 0 }, children: [3] },
      { id: 3, callFrame: wasm('js-to-wasm::i') },
      { id: 4, callFrame: frame('main', 9), children: [5] },
      { id: 5, callFrame: wasm('decode') },
    ],
    startTime: 0,
    samples: [3, 3, 5],
    timeDeltas: [10, 10, 10],
    endTime: 30,
  };

  it("is the work of whoever called it: the tools' under tsx, the program's under its own code", () => {
    const profile = cpuProfileToPprof(v8, { timeNanos: 0, periodNanos: 10_000, programOnly: true });
    expect(stacks(profile)).toEqual([{ frames: ['decode wasm://wasm/f757504a:1', 'main /app/x.js:10'], values: [1, 10_000] }]);
  });
});
