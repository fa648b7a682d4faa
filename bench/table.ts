/** What the benchmarks share: checks on the profiles taken, statistics over rounds, tables, and random streams. */
import { bar } from '../src/cli/progress.ts';
import type { Profile } from '../src/pprof/index.ts';

/** A profile a benchmark took: ours (the resolved model), or @datadog/pprof's (pprof-format's wire records). */
export type SampledProfile = Profile | { sample: { value: (number | bigint)[] }[]; stringTable: { strings: string[] } };

/**
 * The samples in a profile, refusing one with none or without a name the workload must show
 * (a prefix): a benchmark of a profiler that did not sample the workload measures nothing.
 */
export function provenSamples(label: string, profile: SampledProfile, mustName: readonly string[]): number {
  const [samples, names] =
    'samples' in profile
      ? [profile.samples.reduce((sum, sample) => sum + (sample.values[0] ?? 0), 0), profile.functions.map((fn) => fn.name)]
      : [profile.sample.reduce((sum, sample) => sum + Number(sample.value[0]), 0), profile.stringTable.strings];
  const missing = mustName.filter((name) => !names.some((s) => s.startsWith(name)));
  if (samples === 0 || missing.length > 0) {
    throw new Error(`${label} did not sample the workload: ${samples} samples${missing.length > 0 ? `, no ${missing.join(' or ')}` : ''}`);
  }
  return samples;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A ratio to the baseline as a signed percentage: 1.034 -> "+3.4%". */
export function percent(ratio: number): string {
  return `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)}%`;
}

/** Prints rows under a header, the first column left-aligned and the others right-aligned. */
export function printTable(header: string[], rows: string[][]): void {
  const table = [header, ...rows];
  const widths = header.map((_, column) => Math.max(...table.map((line) => (line[column] ?? '').length)));
  for (const line of table) {
    console.log(
      line
        .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
        .join('  ')
        .trimEnd(),
    );
  }
}

/** Shows `label [####......] 3/15` on a terminal while rounds run (the CLI's bar), and clears it when done. */
export function progress(label: string, done: number, total: number): void {
  if (!process.stderr.isTTY) return;
  process.stderr.write(done < total ? `\r${label} ${bar(done, total)} ${done + 1}/${total}` : '\r\x1b[K');
}

/** A deterministic random stream (mulberry32), so every run of a benchmark builds the same profile. */
export function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
