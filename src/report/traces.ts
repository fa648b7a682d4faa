import type { Profile } from 'pprof-format';
import { printableName, type Granularity } from './graph.ts';
import { numericUnits } from './filter.ts';
import { scaledLabel } from './measurement.ts';
import { profileLabels, valueFormat } from './top.ts';

const SEPARATOR = '-----------+-------------------------------------------------------';

/**
 * The text of `go tool pprof -traces`: every sample in the profile's order, its labels, its
 * value, and its stack leaf first, one frame a line (`(inline)` after a frame inlined into the
 * next), between separator lines. `total` as for topReport.
 */
export function tracesReport(profile: Profile, sampleIndex: number, options: { total?: number; granularity?: Granularity } = {}): string {
  const { granularity = 'functions' } = options;
  const view = valueFormat(profile, sampleIndex, options.total);
  view.outputUnit = 'minimum';
  const strings = profile.stringTable.strings;
  const functions = new Map(profile.function.map((fn) => [Number(fn.id), fn]));
  const mappings = new Map(profile.mapping.map((mapping) => [Number(mapping.id), strings[Number(mapping.filename)] ?? '']));
  const frameNames = new Map(
    profile.location.map((location) => {
      const objfile = mappings.get(Number(location.mappingId)) ?? '';
      const lines = location.line.length > 0 ? location.line : [undefined];
      const names = lines.map((line, i) => {
        const fn = line && functions.get(Number(line.functionId));
        const name = fn && granularity !== 'files' ? (strings[Number(fn.name)] ?? '') : '';
        const file = fn && granularity !== 'functions' ? (strings[Number(fn.filename)] ?? '') : '';
        const info = { name, file, line: fn && granularity === 'lines' ? Number(line.line) : 0, objfile: name ? '' : objfile, startLine: 0 };
        return `${printableName(info)}${i !== lines.length - 1 ? ' (inline)' : ''}`;
      });
      return [Number(location.id), names];
    }),
  );
  const numberUnits = numericUnits(profile);

  const lines = profileLabels(profile, view);
  for (const sample of profile.sample) {
    const stack = sample.locationId.flatMap((id) => frameNames.get(Number(id)) ?? []);
    if (stack.length === 0) continue;
    lines.push(SEPARATOR);
    const text = new Map<string, string[]>();
    const numbers = new Map<string, string[]>();
    for (const label of sample.label) {
      const key = strings[Number(label.key)] ?? '';
      if (Number(label.str) !== 0) text.set(key, [...(text.get(key) ?? []), strings[Number(label.str)] ?? '']);
      else numbers.set(key, [...(numbers.get(key) ?? []), scaledLabel(Number(label.num), numberUnits.get(key) ?? key, 'auto')]);
    }
    for (const group of [text, numbers]) {
      lines.push(...[...group].map(([key, values]) => `${key.padStart(10)}:  ${values.join(' ')}`).sort());
    }
    stack.forEach((name, i) => lines.push(`${(i === 0 ? view.format(Number(sample.value[sampleIndex] ?? 0)) : '').padStart(10)}   ${name}`));
  }
  lines.push(SEPARATOR);
  return `${lines.join('\n')}\n`;
}
