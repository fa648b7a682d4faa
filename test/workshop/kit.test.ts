import { describe, expect, it } from 'vitest';
import { NotDone, expectReading, printedIn, printedPercent, readsAs } from '../../src/workshop/kit.ts';

describe('readsAs: as strict as the report, and no stricter', () => {
  it.each([
    [97.63, '97.63', true],
    [97.6, '97.63', true],
    [98, '97.63', true],
    [97.5, '97.63', false],
    [97, '97.63', false],
    [97.631, '97.63', true],
    [97.64, '97.63', false],
    [2.43, '2.43', true],
    [6.54, '2.43', false],
    [0.046, '0.046', true],
    [0.05, '0.046', true],
    [0, '0.046', true],
    [1, '0.046', false],
    [0, '0', true],
    [1, '0', false],
    [100, '100', true],
    [-81.73, '81.73', false],
  ])('%d reads as %s: %s', (answer, printed, expected) => {
    expect(readsAs(answer, printed)).toBe(expected);
  });

  it('formats as -top prints: percentages to two decimals, two digits below 1%, values in a unit', () => {
    expect(printedPercent(243, 10_000)).toBe('2.43');
    expect(printedPercent(46, 100_000)).toBe('0.046');
    expect(printedPercent(10_000, 10_000)).toBe('100');
    expect(printedIn(28_123_456, 'bytes', 'MB')).toBe('26.82');
    expect(printedIn(1_234_567, 'nanoseconds', 'ms')).toBe('1.23');
  });
});

describe('expectReading', () => {
  const reading = (answer: number) => () =>
    expectReading('hashChain_flat_percent', answer, '2.43', { wanted: "hashChain's flat%", find: 'read it in -top' }, [
      { printed: '97.63', is: "hashChain's cum%" },
    ]);
  it('passes the right reading, and names the confusion of a wrong one', () => {
    expect(reading(2.4)).not.toThrow();
    expect(reading(97.6)).toThrow(new NotDone("hashChain_flat_percent is 97.6: that is hashChain's cum%, not hashChain's flat%. read it in -top"));
    expect(reading(6.54)).toThrow(new NotDone("hashChain_flat_percent is 6.54, but your profile says otherwise for hashChain's flat%: read it in -top"));
  });
});
