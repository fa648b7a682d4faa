import { describe, expect, it } from 'vitest';
import { positionFinder } from '../../src/report/record-index.ts';

describe('positionFinder', () => {
  it('finds records by small unique ids', () => {
    const records = [{ id: 3 }, { id: 1 }, { id: 2 }];
    const position = positionFinder(records);
    expect(records.map(position)).toEqual([0, 1, 2]);
  });

  it('tells apart records that share an id, and finds records with huge or odd ids', () => {
    const records = [{ id: 1 }, { id: 1 }, { id: 2 ** 60 }, { id: 0 }, { id: 1.5 }];
    const position = positionFinder(records);
    expect(records.map(position)).toEqual([0, 1, 2, 3, 4]);
  });

  it('answers -1 for a record not in the list, even one with a listed id', () => {
    const position = positionFinder([{ id: 1 }]);
    expect(position({ id: 1 })).toBe(-1);
    expect(position({ id: 7 })).toBe(-1);
  });

  it('finds records whose ids are too sparse for an array', () => {
    const records = Array.from({ length: 10 }, (_, i) => ({ id: 1_000_000 * (i + 1) }));
    const position = positionFinder(records);
    expect(records.map(position)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
