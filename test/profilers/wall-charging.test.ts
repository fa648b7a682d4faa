import { describe, expect, it } from 'vitest';
import { SourceMapper } from '../../src/pprof/index.ts';
import { addV8Samples, type V8CpuProfile, type WallCharging } from '../../src/profilers/v8-cpu-profile.ts';
import { ProgramTimeline, wallCharging } from '../../src/profilers/wall-timeline.ts';
import { cpuShapedBuilder, labelledStacks, stacks } from '../helpers/profile.ts';

const frame = (functionName: string, lineNumber = 0) => ({ functionName, url: '/app/x.js', lineNumber, columnNumber: 0 });

/** The timeline as a wall profile hands it to addV8Samples, V8's clock at performance.now()'s, V8 sampling every 10 ms. */
const charging = (timeline: ProgramTimeline, startMs: number, endMs: number): WallCharging =>
  wallCharging(timeline, { startMs, endMs, intervalMicros: 10_000, offsetMs: 0 });

describe('ProgramTimeline', () => {
  it('merges waits into the stretches in which one was in flight, in any order', () => {
    const timeline = new ProgramTimeline(0);
    timeline.wait(10, 20);
    timeline.wait(30, 40);
    timeline.wait(15, 32);
    timeline.wait(50, 60);
    timeline.wait(1, 2);
    expect([0.5, 1.5, 5, 10, 25, 40, 45, 55, 61].map((time) => timeline.waitingAt(time))).toEqual([false, true, false, true, true, true, false, true, false]);
    expect(timeline.waitedBetween(0, 100)).toBe(1 + 30 + 10);
    expect(timeline.waitedBetween(35, 55)).toBe(5 + 5);
    expect(timeline.waitedBetween(41, 49)).toBe(0);
  });

  it('names a run in which nothing waited by where the waits around it were awaited', () => {
    const timeline = new ProgramTimeline(0);
    timeline.wait(10, 20, 0);
    timeline.wait(30, 40, 1);
    timeline.wait(35, 50, 2);
    timeline.wait(60, 70, 0);
    timeline.wait(80, 90);
    // Between 20 and 30: after the wait at site 0 and before that at site 1. The stretch from 30
    // to 50 began with the wait at site 1 and ended with that at site 2.
    expect([25, 55, 15, 5, 75, 95].map((time) => timeline.runAt(time))).toEqual(['0>1', '2>0', undefined, undefined, undefined, undefined]);
  });

  it('splits the time between two times into the runs in which nothing waited, each named', () => {
    const timeline = new ProgramTimeline(0);
    timeline.wait(10, 20, 0);
    timeline.wait(30, 40, 1);
    timeline.wait(50, 60);
    expect(timeline.runsBetween(5, 70)).toEqual([
      { start: 5, end: 10, run: undefined },
      { start: 20, end: 30, run: '0>1' },
      { start: 40, end: 50, run: undefined },
      { start: 60, end: 70, run: undefined },
    ]);
    expect(timeline.runsBetween(12, 35)).toEqual([{ start: 20, end: 30, run: '0>1' }]);
  });

  it('finds the first and last turn between two times, to the quarter millisecond', () => {
    const timeline = new ProgramTimeline(100);
    timeline.turn(112.1);
    timeline.turn(118.6);
    timeline.turn(5_000);
    expect(timeline.firstTurn(110, 120)).toBe(112);
    expect(timeline.lastTurn(110, 120)).toBe(118.75);
    expect(timeline.firstTurn(113, 118)).toBeUndefined();
    expect(timeline.lastTurn(4_000, 6_000)).toBe(5_000.25);
    expect(timeline.firstTurn(0, 100)).toBeUndefined();
  });
});

/** A function of the program, its samples on the line after its declaration's, as V8 places them. */
const programNode = (id: number, functionName: string, lineNumber: number): V8CpuProfile['nodes'][number] => ({
  id,
  callFrame: frame(functionName, lineNumber),
  positionTicks: [{ line: lineNumber + 1, ticks: 1 }],
});

/** (root) -> hot (node 2), and V8's (idle) (3) and (garbage collector) (4), which have no url. */
const hotIdleCollectorNodes = (): V8CpuProfile['nodes'] => [
  { id: 1, callFrame: { ...frame('(root)', -1), url: '' }, children: [2, 3, 4] },
  programNode(2, 'hot', 4),
  { id: 3, callFrame: { ...frame('(idle)', -1), url: '' } },
  { id: 4, callFrame: { ...frame('(garbage collector)', -1), url: '' } },
];

describe('addV8Samples charging a wall profile', () => {
  // (root) -> hot, and V8's (idle) and (garbage collector), which have no url; one sample every 10 ms.
  const v8: V8CpuProfile = {
    nodes: hotIdleCollectorNodes(),
    startTime: 0,
    //        10  20  30  40  50  60  70  80  90 ms
    samples: [2, 2, 4, 3, 2, 2, 3, 2, 4],
    timeDeltas: Array(9).fill(10_000),
    endTime: 100_000,
  };
  // The code started a wait at 25 ms that ended at 48; then a short one from 63 to 66, after
  // which it ran until it started one at 68, still in flight at the end.
  const timeline = new ProgramTimeline(0);
  for (const [start, end] of [
    [25, 48],
    [63, 66],
    [68, 95],
  ] as const) {
    timeline.turn(start);
    timeline.turn(end);
    timeline.wait(start, end);
  }
  const builder = cpuShapedBuilder();
  addV8Samples(builder, v8, { mapper: new SourceMapper(), wall: charging(timeline, 5, 95) });

  it('charges time inside the window, when the code ran next to idle samples, and leaves collections during a wait to the wait', () => {
    expect(stacks(builder.build())).toEqual([
      // hot: 10 ms from the window's start at 5 (5); 20 (10) and on to the turn at 25, as the
      // collection after it ran during the wait (5); 50 from the turn at 48 (2); 60 (10) and up
      // to the last turn before the idle sample at 70, less the waits (63 to 66, 68 on): 5; 80,
      // during a wait, from halfway after the idle sample (5).
      { frames: ['hot /app/x.js:5'], values: [5, 42_000_000] },
      // The collection at 30 ran after the turn at 25, during the wait: not charged. The one at
      // 90 followed hot with no turn between: it is hot's, charged to the window's end.
      { frames: ['(garbage collector) :0', 'hot /app/x.js:5'], values: [1, 15_000_000] },
    ]);
  });
});

describe("addV8Samples charging Node's own work in a wall profile", () => {
  // (root) -> undici's reading of a response, between idle samples: once during a wait, once not.
  const v8: V8CpuProfile = {
    nodes: [
      // As V8 gives them: its own states have no url.
      { id: 1, callFrame: { ...frame('(root)', -1), url: '' }, children: [2, 3] },
      { id: 2, callFrame: { ...frame('readResponse', 10), url: 'node:internal/deps/undici/undici' } },
      { id: 3, callFrame: { ...frame('(idle)', -1), url: '' } },
    ],
    startTime: 0,
    //        10  20  30  40  50 ms
    samples: [3, 2, 3, 2, 3],
    timeDeltas: Array(5).fill(10_000),
    endTime: 60_000,
  };
  const timeline = new ProgramTimeline(0);
  timeline.turn(5);
  timeline.turn(35);
  timeline.wait(5, 35);
  const builder = cpuShapedBuilder();
  addV8Samples(builder, v8, { mapper: new SourceMapper(), wall: charging(timeline, 0, 60) });

  it('leaves it to the wait it ran in, which counts it already, and charges it as running when nothing waited', () => {
    // At 20, during the wait: neither counted nor charged. At 40, from the wait's end at 35 to
    // halfway to the idle sample at 50: 10 ms.
    expect(stacks(builder.build())).toEqual([{ frames: ['readResponse node:internal/deps/undici/undici:11'], values: [1, 10_000_000] }]);
  });
});

describe('addV8Samples placing a collection next to a turn known to the quarter millisecond', () => {
  // (root) -> hot, (idle), (garbage collector): hot sampled at 10.1 ms, a collection at 20, idle at 30.
  const v8: V8CpuProfile = {
    nodes: hotIdleCollectorNodes(),
    startTime: 0,
    samples: [2, 4, 3],
    timeDeltas: [10_100, 9_900, 10_000],
    endTime: 40_000,
  };
  const profileOf = (waits: [number, number][]) => {
    const timeline = new ProgramTimeline(0);
    for (const [start, end] of waits) {
      timeline.turn(start);
      timeline.turn(end);
      timeline.wait(start, end);
    }
    const builder = cpuShapedBuilder();
    addV8Samples(builder, v8, { mapper: new SourceMapper(), wall: charging(timeline, 0, 40) });
    return stacks(builder.build());
  };

  it('puts one sampled while nothing waited under the code of its run, though the run began in the quarter of that sample', () => {
    // A wait ended at 10.05 (the quarter from 10 to 10.25 holds the turn and hot's sample); the
    // run went on until it started the next wait at 25: the collection at 20 was that run's.
    const collection = profileOf([
      [5, 10.05],
      [25, 40],
    ]).find(({ frames }) => frames[0] === '(garbage collector) :0');
    expect(collection?.frames).toEqual(['(garbage collector) :0', 'hot /app/x.js:5']);
  });

  it('leaves one sampled during a wait to the wait, though the run ended in the quarter of the sample before', () => {
    // The run ended at 10.15 by starting a wait in flight until 30: the collection at 20 ran during it.
    expect(profileOf([[10.15, 30]]).map(({ frames }) => frames)).toEqual([['hot /app/x.js:5']]);
  });
});

describe('addV8Samples charging a run of the program that V8 did not sample', () => {
  // V8's sampler waited for a core: idle at 10 ms, then nothing until another idle sample at 50.
  // The program's code ran from 12 (a wait ended) to 40 (it started the next, in flight to the end).
  const profileOf = (samples: number[], timeDeltas: number[]) => {
    const timeline = new ProgramTimeline(0);
    for (const [start, end] of [
      [0, 12],
      [40, 60],
    ] as const) {
      timeline.turn(start);
      timeline.turn(end);
      timeline.wait(start, end);
    }
    const builder = cpuShapedBuilder();
    addV8Samples(
      builder,
      { nodes: hotIdleCollectorNodes(), startTime: 0, samples, timeDeltas, endTime: 60_000 },
      { mapper: new SourceMapper(), wall: charging(timeline, 0, 60) },
    );
    return stacks(builder.build());
  };

  it('charges the time it ran between its turns to (unsampled), with no stack and no sample counted', () => {
    // From the turn at 12 to the quarter millisecond of the turn at 40 (40.25), less the wait from 40.
    expect(profileOf([3, 3, 3], [10_000, 40_000, 10_000])).toEqual([{ frames: ['(unsampled) :0'], values: [0, 28_000_000] }]);
  });

  it('charges nothing so when V8 sampled the run: the sample stands for it', () => {
    expect(profileOf([3, 2, 3, 3], [10_000, 20_000, 20_000, 10_000])).toEqual([{ frames: ['hot /app/x.js:5'], values: [1, 28_000_000] }]);
  });
});

describe('addV8Samples charging a sample of the program after another, with a wait between', () => {
  it('charges it the gap less the wait, which counts that time already', () => {
    // hot at 10 and at 30; between them the code started a wait at 12 that ended at 25.
    const timeline = new ProgramTimeline(0);
    timeline.turn(12);
    timeline.turn(25);
    timeline.wait(12, 25);
    const builder = cpuShapedBuilder();
    const v8: V8CpuProfile = { nodes: hotIdleCollectorNodes(), startTime: 0, samples: [2, 2], timeDeltas: [10_000, 20_000], endTime: 30_000 };
    addV8Samples(builder, v8, { mapper: new SourceMapper(), wall: charging(timeline, 0, 30) });
    // 10 ms for the first; 20 less the 13 waited for the second.
    expect(stacks(builder.build())).toEqual([{ frames: ['hot /app/x.js:5'], values: [2, 17_000_000] }]);
  });
});

/**
 * A program that waits from 5 to 20 ms, 40 to 80, 100 to 120 and 140 to 150, and runs between:
 * from 20 to 40 and from 80 to 100 after a wait awaited at site 0 and before one at site 1; from
 * 120 to 140 between site 1 and site 0.
 */
function runsBetweenTwoSites(): ProgramTimeline {
  const timeline = new ProgramTimeline(0);
  for (const [start, end, site] of [
    [5, 20, 0],
    [40, 60, 1],
    [60, 80, 0],
    [100, 120, 1],
    [140, 150, 0],
  ] as const) {
    timeline.turn(start);
    timeline.turn(end);
    timeline.wait(start, end, site);
  }
  return timeline;
}

describe.each(['(garbage collector)', '(program)'])("addV8Samples placing V8's %s in a run with no JavaScript sampled", (state) => {
  // Idle samples every 10 ms while the program waits; it runs from 20 to 40 (hot sampled at 30),
  // from 80 to 100 and from 120 to 140 (V8 sampled only its own work, with no stack, in each).
  const v8: V8CpuProfile = {
    nodes: hotIdleCollectorNodes().map((node) => (node.id === 4 ? { ...node, callFrame: { ...node.callFrame, functionName: state } } : node)),
    startTime: 0,
    //        10  20  30  40  50  60  70  80  90 100 110 120 130 140 150 ms
    samples: [3, 3, 2, 3, 3, 3, 3, 3, 4, 3, 3, 3, 4, 3, 3],
    timeDeltas: Array(15).fill(10_000),
    endTime: 150_000,
  };
  const timeline = runsBetweenTwoSites();
  const builder = cpuShapedBuilder();
  // The code ran with a label up to 50 ms; V8's own work after that ran with none.
  const labelsAt = (micros: number) => (micros < 50_000 ? { route: '/a' } : undefined);
  addV8Samples(builder, v8, { mapper: new SourceMapper(), wall: charging(timeline, 0, 150), labelsAt });

  it("puts it under the code sampled in runs between the same two awaits, with that code's labels, or at the root if there is none", () => {
    expect(labelledStacks(builder.build())).toEqual([
      // Each sample stands for its run, 20 ms: from the turn before it to the one after.
      { frames: ['hot /app/x.js:5'], values: [1, 20_000_000], labels: { route: '/a' } },
      { frames: [`${state} :0`], values: [1, 20_000_000], labels: {} },
      { frames: [`${state} :0`, 'hot /app/x.js:5'], values: [1, 20_000_000], labels: { route: '/a' } },
    ]);
  });
});

/** The stacks of a profile of 150 ms whose samples (node ids) V8 took every 10 ms from 5 ms. */
function sampledEvery10MsFrom5(nodes: V8CpuProfile['nodes'], samples: number[], wall: WallCharging | undefined) {
  const builder = cpuShapedBuilder();
  // Times:  5  15  25  35  45  55  65  75  85  95 105 115 125 135 145 ms
  const timeDeltas = [5, ...Array(samples.length - 1).fill(10)].map((ms) => ms * 1000);
  addV8Samples(builder, { nodes, startTime: 0, samples, timeDeltas, endTime: 150_000 }, { mapper: new SourceMapper(), wall });
  return stacks(builder.build());
}

describe('addV8Samples placing a collection with no JavaScript before it in its run', () => {
  // Samples every 10 ms from 5 ms, idle while the program waits. In the run from 20 to 40, hot
  // at 25 and 35; in the run from 80 to 100, between the same two awaits, a collection at 85 and
  // then next, which the run went on to (the next step's start), at 95.
  const timeline = runsBetweenTwoSites();
  const profileOf = (wall: WallCharging | undefined) =>
    sampledEvery10MsFrom5([...hotIdleCollectorNodes(), programNode(5, 'next', 8)], [3, 3, 2, 2, 3, 3, 3, 3, 4, 5, 3, 3, 3, 3, 3], wall);

  it('charges it as the code of the runs between the same two awaits was sampled, not to the code sampled after it', () => {
    expect(profileOf(charging(timeline, 0, 150))).toEqual([
      // From the turn at 20 to the one at 40.
      { frames: ['hot /app/x.js:5'], values: [2, 20_000_000] },
      // The collection's 5 ms, from the turn at 80, split 20 to 15 as hot and next were sampled.
      { frames: ['(garbage collector) :0', 'hot /app/x.js:5'], values: [1, 2_857_143] },
      { frames: ['(garbage collector) :0', 'next /app/x.js:9'], values: [0, 2_142_857] },
      // From 85 to the turn at 100.
      { frames: ['next /app/x.js:9'], values: [1, 15_000_000] },
    ]);
  });

  it('puts it under the code sampled after it when no run is known, as in a CPU profile', () => {
    expect(profileOf(undefined).find(({ frames }) => frames[0] === '(garbage collector) :0')).toEqual({
      frames: ['(garbage collector) :0', 'next /app/x.js:9'],
      values: [1, 10_000_000],
    });
  });
});

describe('addV8Samples charging a sample V8 placed on no line of the function it names', () => {
  // As above, but at 85 V8 sampled the module's function, which calls hot, on no line: it lost
  // hot's frame, inlined there. Then hot at 95.
  const nodes: V8CpuProfile['nodes'] = [
    { id: 1, callFrame: { ...frame('(root)', -1), url: '' }, children: [5, 3, 4] },
    programNode(2, 'hot', 4),
    { id: 3, callFrame: { ...frame('(idle)', -1), url: '' } },
    { id: 4, callFrame: { ...frame('(garbage collector)', -1), url: '' } },
    { id: 5, callFrame: frame('module', -1), children: [2] },
  ];
  const profileOf = (wall: WallCharging | undefined) => sampledEvery10MsFrom5(nodes, [3, 3, 2, 2, 3, 3, 3, 3, 5, 2, 3, 3, 3, 3, 3], wall);

  it('charges it, with its count, as the code of the runs between the same two awaits was sampled', () => {
    // hot: 20 ms from 20 to 40; 5 from the turn at 80 to the lost sample at 85, and 10 more to
    // 100 after it: all hot, sampled four times.
    expect(profileOf(charging(runsBetweenTwoSites(), 0, 150))).toEqual([{ frames: ['hot /app/x.js:5', 'module /app/x.js:0'], values: [4, 40_000_000] }]);
  });

  it('leaves it to the function it names when no run is known, as in a CPU profile', () => {
    expect(profileOf(undefined)).toContainEqual({ frames: ['module /app/x.js:0'], values: [1, 10_000_000] });
  });
});

describe('addV8Samples charging a run of the program that V8 did not sample, like a run it did', () => {
  // As above, but V8's sampler took no sample from 70 to 110 nor at 130: the runs from 80 to 100
  // (between the same two awaits as the one from 20 to 40, where hot was sampled) and from 120
  // to 140 (between two others) went unsampled.
  const timeline = runsBetweenTwoSites();
  const builder = cpuShapedBuilder();
  const v8: V8CpuProfile = {
    nodes: hotIdleCollectorNodes(),
    startTime: 0,
    //        10  20  30  40  50  60  70 110 120 140 150 ms
    samples: [3, 3, 2, 3, 3, 3, 3, 3, 3, 3, 3],
    timeDeltas: [10, 10, 10, 10, 10, 10, 10, 40, 10, 20, 10].map((ms) => ms * 1000),
    endTime: 150_000,
  };
  addV8Samples(builder, v8, { mapper: new SourceMapper(), wall: charging(timeline, 0, 150) });

  it('charges it as the runs between the same two awaits were sampled, and the rest to (unsampled)', () => {
    expect(stacks(builder.build())).toEqual([
      // Its own 20 ms, and the 20 of the run like it that V8 missed; the sample is counted once.
      { frames: ['hot /app/x.js:5'], values: [1, 40_000_000] },
      { frames: ['(unsampled) :0'], values: [0, 20_000_000] },
    ]);
  });
});

describe("addV8Samples charging a long gap of V8's sampler, beyond a sample's reach", () => {
  // As above, but V8's sampler took no sample from 70 to 135, where it sampled cold in the run
  // from 120 to 140: the gap holds the run from 80 to 100, between the same two awaits as the
  // run from 20 to 40, where V8 sampled hot (or nothing).
  const timeline = runsBetweenTwoSites();
  const profileOf = (hotSampled: boolean) => {
    const builder = cpuShapedBuilder();
    const v8: V8CpuProfile = {
      nodes: [...hotIdleCollectorNodes(), programNode(5, 'cold', 8)],
      startTime: 0,
      //                    10  20 (30) 40  50  60  70 135 150 ms
      samples: [3, 3, ...(hotSampled ? [2] : []), 3, 3, 3, 3, 5, 3],
      timeDeltas: [10, 10, ...(hotSampled ? [10, 10] : [20]), 10, 10, 10, 65, 15].map((ms) => ms * 1000),
      endTime: 150_000,
    };
    addV8Samples(builder, v8, { mapper: new SourceMapper(), wall: charging(timeline, 0, 150) });
    return stacks(builder.build());
  };

  it('charges the runs more than two intervals before the sample as the runs like them were sampled', () => {
    expect(profileOf(true)).toEqual([
      // Its own 20 ms, and the run from 80 to 100 that the gap holds.
      { frames: ['hot /app/x.js:5'], values: [1, 40_000_000] },
      // From 115 (two intervals before it), less the wait to 120, and on to the turn at 140.
      { frames: ['cold /app/x.js:9'], values: [1, 20_000_000] },
    ]);
  });

  it('leaves them to the sample, as any gap, when V8 sampled no run like them', () => {
    expect(profileOf(false)).toEqual([
      // From the turn at 80, less the wait from 100 to 120, and on to the turn at 140.
      { frames: ['cold /app/x.js:9'], values: [1, 40_000_000] },
      // The run from 20 to 40, which V8 missed.
      { frames: ['(unsampled) :0'], values: [0, 20_000_000] },
    ]);
  });
});
