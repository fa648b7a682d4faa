import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Profile } from 'pprof-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { typescriptNodeFlags } from '../../src/cli/typescript-node.ts';
import { cumulative, readProfile, sampleTypeNames, stringOf, waitingStacks, wallNanos } from '../helpers/profile.ts';
import { fixture, repoRoot } from '../helpers/run.ts';

/**
 * The accuracy claims, measured against the program's own clock. This file runs alone, after the
 * rest of the suite (see vitest.config.ts): on two cores, another test's load shifts V8's
 * sampling by more than the tolerance being checked.
 */
const WALL = 1;
const directory = mkdtempSync(join(tmpdir(), 'wall-accuracy-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

async function run<T>(args: string[]): Promise<T> {
  const { stdout } = await promisify(execFile)(process.execPath, [...typescriptNodeFlags(), fixture('wall/canonical-loop.ts'), ...args], {
    cwd: repoRoot,
    timeout: 60_000,
  });
  return JSON.parse(stdout) as T;
}


describe('wall profile of the canonical loop (request ~60 ms, hashing ~30 ms, sleep ~10 ms)', () => {
  type Measured = { windowMs: number; measuredMs: Record<'slowNetworkRequest' | 'cpuIntensiveTask' | 'weirdFunction', number> };
  let measured: Measured;
  let wall: Profile;
  let cpuMeasured: Measured;
  let cpu: Profile;

  beforeAll(async () => {
    // Twenty seconds at the default 99 Hz, twice the benchmark's window: over ten, the hashing's
    // share strayed up to 2.4 points between runs here. One at a time, so the CPU profile does
    // not take the CPU from the wall profile's program.
    measured = await run<Measured>(['wall', '20', join(directory, 'wall.pb.gz')]);
    wall = readProfile(join(directory, 'wall.pb.gz'));
    cpuMeasured = await run<Measured>(['cpu', '5', join(directory, 'cpu.pb.gz')]);
    cpu = readProfile(join(directory, 'cpu.pb.gz'));
  }, 90_000);

  it('is a wall profile: samples/count and wall/nanoseconds, 99 Hz, wall by default', () => {
    expect(sampleTypeNames(wall)).toEqual(['samples/count', 'wall/nanoseconds']);
    expect(`${stringOf(wall, wall.periodType!.type)}/${stringOf(wall, wall.periodType!.unit)}`).toBe('wall/nanoseconds');
    expect(Number(wall.period)).toBe(Math.round(1e9 / 99 / 1000) * 1000);
    expect(stringOf(wall, wall.defaultSampleType)).toBe('wall');
  });

  it.each(['slowNetworkRequest', 'cpuIntensiveTask', 'weirdFunction'] as const)(
    "gives %s its share of the window within 2 points of the program's own timing",
    (name) => {
      const profiled = (100 * cumulative(wall, WALL, name)) / Number(wall.durationNanos);
      const timed = (100 * measured.measuredMs[name]) / measured.windowMs;
      expect(Math.abs(profiled - timed), `profile ${profiled.toFixed(1)}% vs measured ${timed.toFixed(1)}%`).toBeLessThanOrEqual(2);
    },
  );

  it('adds up running and waiting of the one task to the window, within 3%', () => {
    expect(wallNanos(wall, 'running') + wallNanos(wall, 'waiting')).toBe(wallNanos(wall));
    expect(wallNanos(wall) / Number(wall.durationNanos)).toBeGreaterThan(0.97);
    expect(wallNanos(wall) / Number(wall.durationNanos)).toBeLessThan(1.03);
  });

  it('names each wait in a leaf frame under the function that awaits it, labelled with its kind', () => {
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
    const samples = cpu.sample.reduce((sum, sample) => sum + Number(sample.value[0]), 0);
    const share = (name: string) => cumulative(cpu, 0, name) / samples;
    const shares = `shares of CPU samples: ${['cpuIntensiveTask', 'slowNetworkRequest', 'weirdFunction'].map((name) => `${name} ${(100 * share(name)).toFixed(1)}%`).join(', ')}`;
    // Not all: starting the profiler, undici's work on the response, and V8 charging some of
    // the hashing inlined into the loop to the loop's own line take a few samples.
    expect(share('cpuIntensiveTask'), shares).toBeGreaterThan(0.7);
    expect(share('slowNetworkRequest'), shares).toBeLessThan(0.1);
    expect(share('weirdFunction'), shares).toBeLessThan(0.05);
    // The same program spent most of its time in the request, which the CPU profile cannot see.
    expect(cpuMeasured.measuredMs.slowNetworkRequest / cpuMeasured.windowMs).toBeGreaterThan(0.5);
  });
});
