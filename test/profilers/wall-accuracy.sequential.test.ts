import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Profile } from '../../src/pprof/index.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { typescriptNodeFlags } from '../../src/loader/node-flags.ts';
import { startCpuHogs } from '../helpers/cpu-hog.ts';
import { cumulative, readProfile, sampleTypeNames, waitingStacks, wallNanos } from '../helpers/profile.ts';
import { fixture, repoRoot } from '../helpers/run.ts';

/**
 * The accuracy claims of the README, measured against the program's own clock with a CPU hog
 * busy on every core: a shared machine is busy, so the claims must hold there, and a test run
 * on a machine already loaded by others only loads it more. This file runs alone, after the
 * rest of the suite (see vitest.config.ts), so that its hogs do not skew other tests.
 */
const WALL = 1;
const STEPS = ['slowNetworkRequest', 'cpuIntensiveTask', 'weirdFunction'] as const;
/**
 * How far a step's share may be from the program's own under such load, in points of the
 * window (README), with room for chance over what was seen on Node 22, 24 and 26 with the
 * machine's load average at 20 besides the hogs. A step that awaits is mostly its wait, which
 * the tracker times exactly, but the code between two waits counts as the step's only where V8
 * sampled it or a run between the same two awaits (elsewhere as (unsampled)), and V8's samples
 * come 20 to 300 ms apart when its sampler waits for a core: seen up to 4.1.
 * The CPU step is V8's samples alone, and on such a machine V8 loses the frames of some
 * samples taken inside fast calls into C++ (`performance.now()`) and, on Node 22, catches whole
 * steps inside collections that name no code: seen up to 5.
 */
const SHARE_POINTS: Record<(typeof STEPS)[number], number> = { slowNetworkRequest: 5, cpuIntensiveTask: 7, weirdFunction: 5 };
/**
 * How far running + waiting of the one task may be from the window (README): seen within 5.2%
 * when the code V8 did not sample was nobody's; since it counts as (unsampled), within 2.7% at a
 * load average of 25 to 30 besides (the hogs' runs included).
 */
const COVERAGE = 0.05;
/** Milliseconds of request, CPU work and sleep per round: the canonical loop and two other mixes. */
const MIXES = ['60,30,10', '20,60,20', '10,30,60'];

type Measured = { windowMs: number; measuredMs: Record<(typeof STEPS)[number], number> };

const directory = mkdtempSync(join(tmpdir(), 'wall-accuracy-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

async function run(args: string[]): Promise<Measured> {
  const { stdout } = await promisify(execFile)(process.execPath, [...typescriptNodeFlags(), fixture('wall/canonical-loop.ts'), ...args], {
    cwd: repoRoot,
    timeout: 60_000,
  });
  return JSON.parse(stdout) as Measured;
}

describe('wall profiles of canonical-shaped loops, over 6 s with a CPU hog on every core', () => {
  const runs = new Map<string, { measured: Measured; wall: Profile }>();
  let cpuMeasured: Measured;
  let cpu: Profile;

  beforeAll(async () => {
    const hogs = await startCpuHogs();
    try {
      // One at a time, so that one profile's program does not take the CPU from another's.
      for (const mix of MIXES) {
        const output = join(directory, `wall-${mix}.pb.gz`);
        runs.set(mix, { measured: await run(['wall', '6', output, mix]), wall: readProfile(output) });
      }
    } finally {
      await hogs.stop();
    }
    // The contrast with a CPU profile is about what each profile shows, not about load.
    cpuMeasured = await run(['cpu', '5', join(directory, 'cpu.pb.gz')]);
    cpu = readProfile(join(directory, 'cpu.pb.gz'));
  }, 180_000);

  it('is a wall profile: samples/count and wall/nanoseconds, 99 Hz, wall by default', () => {
    const { wall } = runs.get('60,30,10')!;
    expect(sampleTypeNames(wall)).toEqual(['samples/count', 'wall/nanoseconds']);
    expect(wall.periodType).toEqual({ type: 'wall', unit: 'nanoseconds' });
    expect(Number(wall.period)).toBe(Math.round(1e9 / 99 / 1000) * 1000);
    expect(wall.defaultSampleType).toBe('wall');
  });

  it.each(MIXES)(
    `gives each step of the %s ms loop its share of the window near the program's own timing: the waits' within ${SHARE_POINTS.weirdFunction} points, the CPU step's within ${SHARE_POINTS.cpuIntensiveTask}`,
    (mix) => {
      const { measured, wall } = runs.get(mix)!;
      const shares = STEPS.map((step) => ({
        step,
        profiled: (100 * cumulative(wall, WALL, step)) / Number(wall.durationNanos),
        timed: (100 * measured.measuredMs[step]) / measured.windowMs,
      }));
      const described = shares.map(({ step, profiled, timed }) => `${step} ${profiled.toFixed(1)}% vs ${timed.toFixed(1)}%`).join(', ');
      for (const { step, profiled, timed } of shares)
        expect(Math.abs(profiled - timed), `${step}, profile vs program: ${described}`).toBeLessThanOrEqual(SHARE_POINTS[step]);
    },
  );

  it.each(MIXES)(`adds up running and waiting of the one task of the %s ms loop to the window, within ${100 * COVERAGE}%`, (mix) => {
    const { wall } = runs.get(mix)!;
    expect(wallNanos(wall, 'running') + wallNanos(wall, 'waiting')).toBe(wallNanos(wall));
    const coverage = wallNanos(wall) / Number(wall.durationNanos);
    expect(coverage, `running + waiting is ${(100 * coverage).toFixed(1)}% of the window`).toBeGreaterThan(1 - COVERAGE);
    expect(coverage, `running + waiting is ${(100 * coverage).toFixed(1)}% of the window`).toBeLessThan(1 + COVERAGE);
  });

  it('names each wait in a leaf frame under the function that awaits it, labelled with its kind', () => {
    const { wall } = runs.get('60,30,10')!;
    const byLeaf = new Map(waitingStacks(wall).map(({ frames, labels }) => [frames[0]!.split(' /')[0]!.replace(/:\d+$/, ''), { frames, labels }]));
    const fetchWait = [...byLeaf.keys()].find((leaf) => /^\(wait\) fetch GET http:\/\/127\.0\.0\.1:\d+\/slow/.test(leaf));
    expect(fetchWait).toBeDefined();
    expect(byLeaf.get(fetchWait!)!.labels).toEqual({ state: 'waiting', wait: 'fetch' });
    expect(byLeaf.get(fetchWait!)!.frames[1]).toMatch(/^slowNetworkRequest /);
    const sleep = [...byLeaf.keys()].find((leaf) => leaf.startsWith('(wait) setTimeout 10ms'));
    expect(sleep).toBeDefined();
    expect(byLeaf.get(sleep!)!.labels).toEqual({ state: 'waiting', wait: 'timer' });
    expect(byLeaf.get(sleep!)!.frames[1]).toMatch(/^weirdFunction /);
  });

  it('contrasts with the CPU profile, where the hashing task has nearly every sample and the waits none', () => {
    const samples = cpu.samples.reduce((sum, sample) => sum + sample.values[0]!, 0);
    const share = (name: string) => cumulative(cpu, 0, name) / samples;
    const shares = `shares of CPU samples: ${STEPS.map((name) => `${name} ${(100 * share(name)).toFixed(1)}%`).join(', ')}`;
    // Not all: undici's work on the response, collections between callbacks, and samples V8
    // took inside fast calls into C++ (performance.now) with the hashing's frame lost, charged
    // to the loop's own function: seen down to 64% on Node 26 on a loaded machine, and to 49% on
    // Node 22 with a CPU hog on each core at a load of 14. Still several times any other step.
    expect(share('cpuIntensiveTask'), shares).toBeGreaterThan(0.4);
    expect(share('slowNetworkRequest'), shares).toBeLessThan(0.1);
    expect(share('weirdFunction'), shares).toBeLessThan(0.05);
    // The same program spent most of its time in the request, which the CPU profile cannot see.
    expect(cpuMeasured.measuredMs.slowNetworkRequest / cpuMeasured.windowMs).toBeGreaterThan(0.5);
  });
});
