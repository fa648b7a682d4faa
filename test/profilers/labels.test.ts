import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { currentLabels, withLabels } from '../../src/profilers/labels.ts';
import { labelledStacks, readProfile } from '../helpers/profile.ts';
import { fixture, runTypeScript } from '../helpers/run.ts';

/** withLabels and the profiles it labels: a server whose /hash route computes and /sleep route awaits. */
const directory = mkdtempSync(join(tmpdir(), 'labels-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

function profileOf(kind: 'cpu' | 'wall') {
  const output = join(directory, `${kind}.pb.gz`);
  const run = runTypeScript(fixture('labels/routes.ts'), [kind, output]);
  expect(run.status, run.stderr).toBe(0);
  return labelledStacks(readProfile(output));
}

/** The share of a value (by index) the samples with `route` carry among those through `name`. */
function shareOn(samples: ReturnType<typeof profileOf>, name: string, route: string, value: number): number {
  const through = samples.filter((sample) => sample.frames.some((frame) => frame.startsWith(`${name} `) || frame === name));
  const total = through.reduce((sum, sample) => sum + sample.values[value]!, 0);
  return through.filter((sample) => sample.labels.route === route).reduce((sum, sample) => sum + sample.values[value]!, 0) / total;
}

describe('withLabels', () => {
  it('labels the CPU samples of the code it runs: the hashing route computes, the sleeping one barely', () => {
    const samples = profileOf('cpu');
    expect(shareOn(samples, 'hashFor', '/hash', 1)).toBeGreaterThan(0.95);
    const hashRoute = samples.filter((sample) => sample.labels.route === '/hash').reduce((sum, sample) => sum + sample.values[1]!, 0);
    const sleepRoute = samples.filter((sample) => sample.labels.route === '/sleep').reduce((sum, sample) => sum + sample.values[1]!, 0);
    // The hashing is 150 x 4,000 rounds of SHA-256, the sleeping route's CPU 80 requests' handling:
    // 20 times more or so on a quiet machine, 8 times once on a loaded one, where the handling
    // of each request weighs more against the hashing.
    expect(hashRoute).toBeGreaterThan(5 * sleepRoute);
  });

  it('labels a wall profile: the waits after an await carry the labels of the code that awaits', () => {
    const samples = profileOf('wall');
    const waits = samples.filter((sample) => sample.labels.state === 'waiting' && sample.frames.some((frame) => frame.startsWith('slowAnswer')));
    expect(waits.length).toBeGreaterThan(0);
    expect(waits.every((sample) => sample.labels.route === '/sleep' && sample.labels.wait === 'timer')).toBe(true);
    expect(shareOn(samples, 'hashFor', '/hash', 1)).toBeGreaterThan(0.95);
  });

  it('keeps labels across awaits and nests them, the inner value winning, and restores the outer ones after', async () => {
    expect(currentLabels()).toBeUndefined();
    const seen = await withLabels({ route: '/a', tenant: 't1' }, async () => {
      await sleep(1);
      const inner = await withLabels({ route: '/b' }, async () => {
        await sleep(1);
        return currentLabels();
      });
      return [inner, currentLabels()];
    });
    expect(seen).toEqual([
      { route: '/b', tenant: 't1' },
      { route: '/a', tenant: 't1' },
    ]);
    expect(currentLabels()).toBeUndefined();
  });

  it("refuses a label that is not a string, or that takes a key of the wall profiler's own", () => {
    expect(() => withLabels({ state: 'x' }, () => 1)).toThrow("label state is the wall profiler's own: choose another key");
    expect(() => withLabels({ n: 1 as unknown as string }, () => 1)).toThrow('label n must be a string, got number');
  });
});
