import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Profile } from 'pprof-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { typescriptNodeFlags } from '../../src/cli/typescript-node.ts';
import { cumulative, labelledStacks, readProfile, sampleTypeNames, stringOf } from '../helpers/profile.ts';
import { fixture, repoRoot } from '../helpers/run.ts';

const WALL = 1;
const directory = mkdtempSync(join(tmpdir(), 'wall-test-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** Runs a fixture as the workshop runs TypeScript and parses the JSON it prints. */
async function run<T>(name: string, args: string[]): Promise<T> {
  const { stdout } = await promisify(execFile)(process.execPath, [...typescriptNodeFlags(), fixture(`wall/${name}`), ...args], {
    cwd: repoRoot,
    timeout: 60_000,
  });
  return JSON.parse(stdout) as T;
}

const windowNanos = (profile: Profile) => Number(profile.durationNanos);
const total = (profile: Profile, state?: string) =>
  labelledStacks(profile)
    .filter(({ labels }) => !state || labels.state === state)
    .reduce((sum, { values }) => sum + values[WALL]!, 0);
const waits = (profile: Profile) => labelledStacks(profile).filter(({ labels }) => labels.state === 'waiting');

describe('wall profile of the canonical loop (request ~60 ms, hashing ~30 ms, sleep ~10 ms)', () => {
  type Measured = { windowMs: number; measuredMs: Record<'slowNetworkRequest' | 'cpuIntensiveTask' | 'weirdFunction', number> };
  let measured: Measured;
  let wall: Profile;
  let cpuMeasured: Measured;
  let cpu: Profile;

  beforeAll(async () => {
    // Ten seconds at the default 99 Hz: what the accuracy claim is about. One at a time, so the
    // CPU profile does not take the CPU from the wall profile's program.
    measured = await run<Measured>('canonical-loop.ts', ['wall', '10', join(directory, 'wall.pb.gz')]);
    wall = readProfile(join(directory, 'wall.pb.gz'));
    cpuMeasured = await run<Measured>('canonical-loop.ts', ['cpu', '3', join(directory, 'cpu.pb.gz')]);
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
      const profiled = (100 * cumulative(wall, WALL, name)) / windowNanos(wall);
      const timed = (100 * measured.measuredMs[name]) / measured.windowMs;
      expect(Math.abs(profiled - timed), `profile ${profiled.toFixed(1)}% vs measured ${timed.toFixed(1)}%`).toBeLessThanOrEqual(2);
    },
  );

  it('adds up running and waiting of the one task to the window, within 3%', () => {
    expect(total(wall, 'running') + total(wall, 'waiting')).toBe(total(wall));
    expect(total(wall) / windowNanos(wall)).toBeGreaterThan(0.97);
    expect(total(wall) / windowNanos(wall)).toBeLessThan(1.03);
  });

  it('names each wait in a leaf frame under the function that awaits it, labelled with its kind', () => {
    const byLeaf = new Map(waits(wall).map(({ frames, labels }) => [frames[0]!.split(' /')[0]!.replace(/:\d+$/, ''), { frames, labels }]));
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
    const share = (name: string) => cumulative(cpu, 1, name) / total(cpu);
    const shares = `shares of CPU: ${['cpuIntensiveTask', 'slowNetworkRequest', 'weirdFunction'].map((name) => `${name} ${(100 * share(name)).toFixed(1)}%`).join(', ')}`;
    expect(share('cpuIntensiveTask'), shares).toBeGreaterThan(0.8);
    expect(share('slowNetworkRequest'), shares).toBeLessThan(0.1);
    expect(share('weirdFunction'), shares).toBeLessThan(0.05);
    // The same program spent most of its time in the request, which the CPU profile cannot see.
    expect(cpuMeasured.measuredMs.slowNetworkRequest / cpuMeasured.windowMs).toBeGreaterThan(0.5);
  });
});

describe('wall profile semantics', () => {
  type Scenarios = Record<string, { windowMs: number; computedMs?: number; blockedMs?: number; keepAlive?: string[]; child?: string; address?: string }>;
  let results: Scenarios;
  const profile = (name: string) => readProfile(join(directory, `${name}.pb.gz`));

  beforeAll(async () => {
    results = await run<Scenarios>('scenarios.ts', [directory]);
  }, 60_000);

  it('counts nested awaits once, under outer;middle;(wait)', () => {
    const [wait, ...others] = waits(profile('nested'));
    expect(others).toEqual([]);
    expect(wait!.frames.slice(0, 3).map((frame) => frame.split(' ')[0])).toEqual(['(wait)', 'middle', 'outer']);
    expect(wait!.frames[0]).toMatch(/^\(wait\) setTimeout 50ms /);
    // Five rounds of one 50 ms sleep.
    expect(wait!.values[WALL]! / 1e6).toBeGreaterThanOrEqual(250);
    expect(wait!.values[WALL]! / 1e6).toBeLessThanOrEqual(results.nested!.windowMs);
  });

  it('adds up concurrent waits: Promise.all of three sleeps is three times the window', () => {
    const waiting = total(profile('promiseAll'), 'waiting') / 1e6;
    expect(waiting / results.promiseAll!.windowMs).toBeGreaterThan(2.85);
    expect(waiting / results.promiseAll!.windowMs).toBeLessThanOrEqual(3);
  });

  it('shows a request in flight and the computing of the same task, never both at once', () => {
    const p = profile('computeWhileRequesting');
    const { computedMs, windowMs } = results.computeWhileRequesting!;
    const running = cumulative(p, WALL, 'spin') / 1e6;
    const waiting = total(p, 'waiting') / 1e6;
    expect(running).toBeGreaterThan(computedMs! * 0.7);
    expect(waits(p).map(({ frames }) => frames.slice(0, 2).map((frame) => frame.split(' ')[0]))).toEqual([['(wait)', 'hashWhileRequesting']]);
    expect(waiting).toBeGreaterThan(0);
    // Were the request charged while the task hashed, the two would overlap and exceed the window.
    expect(computedMs! + waiting).toBeLessThanOrEqual(windowMs * 1.02);
  });

  it('shows a synchronous block (Atomics.wait) as running on its stack: V8 samples it', () => {
    const p = profile('atomicsWait');
    expect(waits(p)).toEqual([]);
    expect(cumulative(p, WALL, 'blockSynchronously') / 1e6).toBeGreaterThan(results.atomicsWait!.blockedMs! * 0.85);
  });

  it.each([
    ['fetch', 'fetchTwiceKeepAlive', /^\(wait\) fetch GET http:\/\/127\.0\.0\.1:\d+\/slow\?ms=20 /],
    ['http', 'httpGet', /^\(wait\) http GET http:\/\/127\.0\.0\.1:\d+\/slow\?ms=20 /],
    ['fs', 'readFilePromise', /^\(wait\) fs\.readFile \S+ /],
    ['dns', 'lookupHost', /^\(wait\) dns\.lookup localhost /],
    ['child_process', 'execCommand', /^\(wait\) exec /],
  ])('shows a %s wait under the calling function %s', (kind, caller, leaf) => {
    const found = waits(profile('sources')).filter(({ labels }) => labels.wait === kind);
    expect(found.length).toBeGreaterThan(0);
    for (const { frames } of found) {
      expect(frames[0]).toMatch(leaf);
      expect(frames.map((frame) => frame.split(' ')[0])).toContain(caller);
    }
  });

  it('ran the sources for real: the second fetch reused the connection, the child ran', () => {
    const [first, second] = results.sources!.keepAlive!.map(Number);
    expect(second).toBe(first! + 1);
    expect(results.sources!.child).toBe('child done');
    expect(results.sources!.address).toBe('127.0.0.1');
  });
});

describe('wall profile memory', () => {
  it('stays bounded over 300,000 timers: the waits fold into one total per stack', async () => {
    const output = join(directory, 'timers.pb.gz');
    const { heapGrowthBytes, timers } = await run<{ heapGrowthBytes: number; timers: number }>('many-timers.ts', ['300000', output]);
    expect(timers).toBeGreaterThanOrEqual(300_000);
    // Each operation kept would be over 100 bytes: 30 MB. What grows is code and caches, bounded.
    expect(heapGrowthBytes).toBeLessThan(8 * 2 ** 20);
    // One stack per call site, two when the first call was synchronous and later ones after an await.
    const stacks = waits(readProfile(output)).map(({ frames }) => frames.map((frame) => frame.split(' ')[0]));
    expect(stacks.length).toBeLessThanOrEqual(6);
    for (const caller of ['callbackTimer', 'promiseTimer', 'nestedTimer']) expect(stacks.some((stack) => stack.includes(caller))).toBe(true);
  }, 60_000);
});
