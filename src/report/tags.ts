import type { Profile } from '../pprof/index.ts';
import { numericUnits } from './filter.ts';
import { percentage, scale, scaledLabel, toFixed } from './measurement.ts';

/**
 * The text of `go tool pprof -tags`: each label key, with the total of the sample type over
 * the samples that carry it, then each of its values with its part of that total and its share,
 * the largest first. Numeric values print scaled in their unit (`64kB`). `outputUnit` is the
 * unit the totals print in: "minimum" scales each to its own unit.
 */
export function tagsReport(profile: Profile, sampleIndex: number, outputUnit = 'minimum'): string {
  const { unit } = profile.sampleTypes[sampleIndex]!;
  const numberUnits = numericUnits(profile);
  const byKey = new Map<string, Map<string, number>>();
  for (const sample of profile.samples) {
    const value = sample.values[sampleIndex] ?? 0;
    for (const { key, str, num } of sample.labels) {
      const text = str !== '' ? str : scaledLabel(num, numberUnits.get(key) ?? key, outputUnit);
      let values = byKey.get(key);
      if (!values) byKey.set(key, (values = new Map()));
      values.set(text, (values.get(text) ?? 0) + value);
    }
  }
  const amount = (value: number) => {
    const [scaled, scaledUnit] = scale(value, unit, outputUnit);
    return `${toFixed(scaled, 1)}${scaledUnit}`;
  };
  const blocks: string[] = [];
  for (const key of [...byKey.keys()].sort(byName)) {
    const values = [...byKey.get(key)!].map(([name, value]) => ({ name, value })).sort(byWeight);
    const total = values.reduce((sum, { value }) => sum + value, 0);
    const rows: string[][] = [[`${key}:`, ` Total ${amount(total)}`]];
    for (const { name, value } of values) rows.push([' ', `${amount(value)}${total > 0 ? ` (${percentage(value, total)})` : ''}:`, ` ${name}`]);
    blocks.push(`${alignRight(rows)}\n`);
  }
  return blocks.join('');
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
/** Largest magnitude first, then by name, as go tool pprof orders tags. */
const byWeight = (a: { name: string; value: number }, b: { name: string; value: number }) =>
  (a.value !== b.value ? Math.abs(b.value) - Math.abs(a.value) : 0) || byName(a.name, b.name);

/**
 * Rows of cells as columns right-aligned to the widest cell plus one space, the last cell of
 * each row left as it is; a column's width holds over the run of rows that reach it.
 */
function alignRight(rows: readonly string[][]): string {
  const width = (text: string) => [...text].length;
  const widths = rows.map((row) => row.map(() => 0));
  const columns = Math.max(...rows.map((row) => row.length - 1));
  for (let column = 0; column < columns; column++) {
    let start = 0;
    while (start < rows.length) {
      if (rows[start]!.length - 1 <= column) {
        start++;
        continue;
      }
      let end = start;
      while (end < rows.length && rows[end]!.length - 1 > column) end++;
      const runWidth = Math.max(...rows.slice(start, end).map((row) => width(row[column]!))) + 1;
      for (let i = start; i < end; i++) widths[i]![column] = runWidth;
      start = end;
    }
  }
  return rows
    .map((row, i) => row.map((cell, column) => (column < row.length - 1 ? cell.padStart(widths[i]![column]! - width(cell) + cell.length) : cell)).join(''))
    .map((line) => `${line}\n`)
    .join('');
}
