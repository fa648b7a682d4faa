import { describe, expect, it } from 'vitest';
import { ProfileBuilder, emptyProfile, type Location, type Profile, type ProfileFunction } from '../../src/pprof/index.ts';
import { foldedStacks } from '../../src/report/folded.ts';

const frame = (name: string) => ({ name, file: '/app/x.ts', line: 1 });

function wallLike(): Profile {
  const builder = new ProfileBuilder({
    sampleTypes: [
      { type: 'samples', unit: 'count' },
      { type: 'wall', unit: 'nanoseconds' },
    ],
    defaultSampleType: 'wall',
  });
  builder.addSample([frame('hash'), frame('main')], [3, 30], { state: 'running' });
  builder.addSample([frame('(wait) fetch GET http://h/a;b?c'), frame('request'), frame('main')], [6, 60], { state: 'waiting' });
  builder.addSample([frame('hash'), frame('main')], [1, 5], { state: 'other label, same stack' });
  builder.addSample([frame('idle'), frame('main')], [0, 0]);
  return builder.build();
}

describe('foldedStacks', () => {
  it('prints each stack root first with its total for the default sample type, sorted, merging equal stacks', () => {
    expect(foldedStacks(wallLike())).toBe('main;hash 35\nmain;request;(wait) fetch GET http://h/a b?c 60\n');
  });

  it('folds another sample type on request, and refuses one that does not exist', () => {
    expect(foldedStacks(wallLike(), 0)).toBe('main;hash 4\nmain;request;(wait) fetch GET http://h/a b?c 6\n');
    expect(() => foldedStacks(wallLike(), 2)).toThrow('sample index 2 is out of range: the profile has 2 sample types (0 to 1)');
  });

  it('spells out inlined frames, caller first, and takes the last sample type when no default is set', () => {
    const fn = (id: number, name: string): ProfileFunction => ({ id, name, systemName: name, filename: '', startLine: 0 });
    const [inlinedLeaf, caller, main] = [fn(1, 'inlinedLeaf'), fn(2, 'caller'), fn(3, 'main')];
    const at = (id: number, ...functions: ProfileFunction[]): Location => ({
      id,
      mapping: undefined,
      address: 0n,
      lines: functions.map((f) => ({ function: f, line: 0, column: 0 })),
      isFolded: false,
    });
    const profile = emptyProfile([
      { type: 'cpu', unit: 'nanoseconds' },
      { type: 'samples', unit: 'count' },
    ]);
    // Go writes inlined frames into one location, innermost first.
    profile.functions = [inlinedLeaf, caller, main];
    profile.locations = [at(1, inlinedLeaf, caller), at(2, main)];
    profile.samples = [{ locations: profile.locations, values: [100, 7], labels: [] }];
    expect(foldedStacks(profile)).toBe('main;caller;inlinedLeaf 7\n');
  });
});
