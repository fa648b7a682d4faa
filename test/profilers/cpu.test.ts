import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { flatByFunction, lineOf, readProfile, sampleTypeNames, stacks } from '../helpers/profile.ts';
import { fixture, runTypeScript } from '../helpers/run.ts';

describe('CPU profiler', () => {
  const output = join(mkdtempSync(join(tmpdir(), 'cpu-')), 'cpu.pb.gz');
  const run = runTypeScript(fixture('hot-loop.ts'), [output], { HZ: '1000', MILLIS: '400' });

  it('writes a pprof CPU profile with the window and the period', () => {
    expect(run.stderr).toBe('');
    const profile = readProfile(output);
    expect(sampleTypeNames(profile)).toEqual(['samples/count', 'cpu/nanoseconds']);
    expect(Number(profile.period)).toBe(1_000_000);
    expect(Number(profile.durationNanos)).toBeGreaterThan(400e6);
    expect(Math.abs(Number(profile.timeNanos) / 1e6 - Date.now())).toBeLessThan(60_000);
  });

  it('puts the hot function on top, on the TypeScript line of its loop', () => {
    const profile = readProfile(output);
    const [top, total] = [flatByFunction(profile, 1)[0]!, flatByFunction(profile, 1).reduce((sum, [, v]) => sum + v, 0)];
    expect(top[0]).toBe('spin');
    expect(top[1] / total).toBeGreaterThan(0.8);
    const hotLine = lineOf(fixture('hot-loop.ts'), 'totals.sum +=');
    const spinNanos = stacks(profile).filter((s) => s.frames[0]!.startsWith('spin '));
    const onHotLine = spinNanos.filter((s) => s.frames[0] === `spin ${fixture('hot-loop.ts')}:${hotLine}`);
    const sum = (list: typeof spinNanos) => list.reduce((total, s) => total + s.values[1]!, 0);
    expect(sum(onHotLine) / sum(spinNanos)).toBeGreaterThan(0.7);
  });

  it('weights samples by time: the CPU total is close to the window', () => {
    const profile = readProfile(output);
    const cpu = stacks(profile).reduce((total, s) => total + s.values[1]!, 0);
    expect(cpu / Number(profile.durationNanos)).toBeGreaterThan(0.9);
    expect(cpu / Number(profile.durationNanos)).toBeLessThanOrEqual(1.0001);
  });

  it('refuses a second CPU profile while one runs, and a stop without a start', () => {
    const result = runTypeScript(fixture('double-start.ts'));
    expect(result.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(/^CPU profiling already in use \(a 100 Hz CPU profile started at .*\)$/),
      'no CPU profile is running in this module: call startCPUProfile() first',
    ]);
  });
});
