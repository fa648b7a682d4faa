import { describe, expect, it } from 'vitest';
import { partitionPoint } from '../../src/pprof/search.ts';

describe('partitionPoint', () => {
  const sorted = [1, 3, 3, 5, 8, 13];

  it('finds the first index past a predicate that holds up to a point', () => {
    expect(partitionPoint(sorted.length, (i) => sorted[i]! < 3)).toBe(1);
    expect(partitionPoint(sorted.length, (i) => sorted[i]! <= 3)).toBe(3);
    expect(partitionPoint(sorted.length, (i) => sorted[i]! < 6)).toBe(4);
  });

  it('gives 0 when it never holds, the length when it always does, and 0 for nothing', () => {
    expect(partitionPoint(sorted.length, () => false)).toBe(0);
    expect(partitionPoint(sorted.length, () => true)).toBe(sorted.length);
    expect(partitionPoint(0, () => true)).toBe(0);
  });

  it('asks about log2 of the length indexes, not each one', () => {
    let asked = 0;
    const before = (i: number) => {
      asked++;
      return i < 123_456;
    };
    expect(partitionPoint(1 << 20, before)).toBe(123_456);
    expect(asked).toBeLessThanOrEqual(21);
  });
});
