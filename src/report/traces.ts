import type { Profile } from '../pprof/index.ts';
import { locationInfos, printableName, type Granularity } from './graph.ts';
import { numericUnits } from './filter.ts';
import { scaledLabel } from './measurement.ts';
import { profileLabels, valueFormat } from './top.ts';

const SEPARATOR = '-----------+-------------------------------------------------------';

/**
 * The text of `go tool pprof -traces`: every sample in the profile's order, its labels, its
 * value, and its stack leaf first, one frame a line (`(inline)` after a frame inlined into the
 * next), between separator lines. `total` as for topReport.
 */
export function tracesReport(profile: Profile, sampleIndex: number, options: { total?: number; granularity?: Granularity; unit?: string } = {}): string {
  const { granularity = 'functions' } = options;
  const view = valueFormat(profile, sampleIndex, options.total);
  view.outputUnit = options.unit ?? 'minimum';
  const frameNames = new Map(
    [...locationInfos(profile, granularity, false)].map(([location, infos]) => [
      location,
      infos.map((info, i) => `${printableName(info)}${i !== infos.length - 1 ? ' (inline)' : ''}`),
    ]),
  );
  const numberUnits = numericUnits(profile);

  const lines = profileLabels(profile, view);
  for (const sample of profile.samples) {
    const stack = sample.locations.flatMap((location) => frameNames.get(location) ?? []);
    if (stack.length === 0) continue;
    lines.push(SEPARATOR);
    const text = new Map<string, string[]>();
    const numbers = new Map<string, string[]>();
    for (const { key, str, num } of sample.labels) {
      if (str !== '') text.set(key, [...(text.get(key) ?? []), str]);
      else numbers.set(key, [...(numbers.get(key) ?? []), scaledLabel(num, numberUnits.get(key) ?? key, 'auto')]);
    }
    for (const group of [text, numbers]) {
      lines.push(...[...group].map(([key, values]) => `${key.padStart(10)}:  ${values.join(' ')}`).sort());
    }
    for (const [i, name] of stack.entries()) lines.push(`${(i === 0 ? view.format(sample.values[sampleIndex] ?? 0) : '').padStart(10)}   ${name}`);
  }
  lines.push(SEPARATOR);
  return `${lines.join('\n')}\n`;
}
