import { describe, expect, it } from 'vitest';
import { percentage, scaledLabel, significant, toFixed } from '../../src/report/measurement.ts';
import { goDuration } from '../../src/report/time.ts';

// Expected texts are what go tool pprof prints for the same values.
describe('pprof value formatting', () => {
  it.each([
    [1, 1, '  100%'],
    [5599, 10000, '55.99%'],
    [51, 10000, ' 0.51%'],
    [46, 100000, '0.046%'],
    [1, 10000000, '1e-05%'],
    [0, 100, '    0%'],
    [5, 0, '    0%'],
    [-30, 100, '30.00%'],
  ])('percentage(%d, %d) is %j', (value, total, text) => {
    expect(percentage(value, total)).toBe(text);
  });

  it.each([
    [2_200_000_000, 'nanoseconds', 'auto', '2.20s'],
    [10_000_000, 'nanoseconds', 's', '0.01s'],
    [10_000_000, 'nanoseconds', 'auto', '10ms'],
    [0, 'nanoseconds', 's', '0'],
    [1536, 'bytes', 'auto', '1.50kB'],
    [78_643_200, 'bytes', 'MB', '75MB'],
    [123, 'count', 'count', '123'],
    [-1_500_000, 'nanoseconds', 'ms', '-1.50ms'],
  ])('scaledLabel(%d, %s, %s) is %s', (value, from, to, text) => {
    expect(scaledLabel(value, from, to)).toBe(text);
  });

  it.each([
    [0.51, '0.51'],
    [0.5, '0.5'],
    [0.046, '0.046'],
    [0.00001, '1e-05'],
    [0.995, '0.99'],
    [0.9951, '1'],
  ])('significant(%d, 2) is %s', (value, text) => {
    expect(significant(value, 2)).toBe(text);
  });
});

describe('rounding as Go does', () => {
  // Halfway cases go to the even digit: 390/960 of a total is 40.625%, which Go prints 40.62.
  it.each([
    [40.625, 2, '40.62'],
    [3.125, 2, '3.12'],
    [78.125, 2, '78.12'],
    [0.375, 2, '0.38'],
    [2.675, 2, '2.67'],
    [99.999, 2, '100.00'],
    [1.005, 2, '1.00'],
    [-1.5, 0, '-2'],
    [0.001, 2, '0.00'],
  ])('toFixed(%d, %d) is %s', (value, decimals, text) => {
    expect(toFixed(value, decimals)).toBe(text);
  });

  it.each([
    [0.125, '0.12'],
    [0.135, '0.14'],
    [0.0625, '0.062'],
    [0.99999, '1'],
  ])('significant(%d, 2) is %s', (value, text) => {
    expect(significant(value, 2)).toBe(text);
  });
});

describe('Go time and duration text, as -raw prints them', () => {
  it.each([
    [0, '0s'],
    [999, '999ns'],
    [1_500, '1.5µs'],
    [500_000_000, '500ms'],
    [2_105_793_452, '2.105793452s'],
    [60_500_000_000, '1m0.5s'],
    [3_600_000_000_000, '1h0m0s'],
  ])('goDuration(%d) is %s', (nanos, text) => {
    expect(goDuration(nanos)).toBe(text);
  });
});
