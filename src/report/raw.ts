import type { Profile } from '../pprof/index.ts';
import { goDuration, goTime } from './time.ts';

/**
 * The text of `go tool pprof -raw`: the profile's own records, as go tool pprof dumps them for
 * debugging a profile's contents: header, each sample's values and location ids (then its
 * labels), each location with its address, mapping and lines, each mapping.
 */
export function rawReport(profile: Profile): string {
  const lines: string[] = profile.comments.map((comment) => `Comment: ${comment}`);
  // Go reads an absent period type as an empty one, and prints it so.
  lines.push(`PeriodType: ${profile.periodType?.type ?? ''} ${profile.periodType?.unit ?? ''}`);
  lines.push(`Period: ${profile.period}`);
  if (profile.timeNanos !== 0n) lines.push(`Time: ${goTime(profile.timeNanos)}`);
  // Go prints the duration with %.4v: its usual form cut to four characters.
  if (profile.durationNanos !== 0) lines.push(`Duration: ${[...goDuration(profile.durationNanos)].slice(0, 4).join('')}`);
  lines.push('Samples:');
  const defaultType = profile.defaultSampleType;
  lines.push(profile.sampleTypes.map((type) => `${type.type}/${type.unit}${type.type === defaultType ? '[dflt]' : ''}`).join(' '));
  for (const sample of profile.samples) {
    lines.push(`${sample.values.map((value) => ` ${String(value).padStart(10)}`).join('')}: ${sample.locations.map((location) => `${location.id} `).join('')}`);
    const byKey = new Map<string, { texts: string[]; numbers: string[]; units: string[] }>();
    for (const label of sample.labels) {
      const entry = byKey.get(label.key) ?? { texts: [], numbers: [], units: [] };
      if (label.str !== '') entry.texts.push(label.str);
      else {
        entry.numbers.push(String(label.num));
        if (label.numUnit !== '') entry.units.push(label.numUnit);
      }
      byKey.set(label.key, entry);
    }
    const textLabels = [...byKey].filter(([, entry]) => entry.texts.length > 0).map(([key, entry]) => `${key}:[${entry.texts.join(' ')}]`);
    const numberLabels = [...byKey]
      .filter(([, entry]) => entry.numbers.length > 0)
      .map(
        ([key, { numbers, units }]) => `${key}:[${units.length === numbers.length ? numbers.map((n, i) => `${n} ${units[i]}`).join(' ') : numbers.join(' ')}]`,
      );
    if (textLabels.length > 0) lines.push(`                ${textLabels.sort().join(' ')}`);
    if (numberLabels.length > 0) lines.push(`                ${numberLabels.sort().join(' ')}`);
  }
  lines.push('Locations');
  for (const location of profile.locations) {
    let head = `${String(location.id).padStart(6)}: ${hex(location.address)} `;
    if (location.mapping && location.mapping.id !== 0) head += `M=${location.mapping.id} `;
    if (location.isFolded) head += '[F] ';
    if (location.lines.length === 0) lines.push(head);
    location.lines.forEach(({ function: fn, line }, i) => {
      let frame = `${fn.name} ${fn.filename}:${line} s=${fn.startLine}`;
      if (fn.name !== fn.systemName) frame += `(${fn.systemName})`;
      lines.push(`${i === 0 ? head : ' '.repeat(13)}${frame}`);
    });
  }
  lines.push('Mappings');
  for (const mapping of profile.mappings) {
    const bits = `${mapping.hasFunctions ? '[FN]' : ''}${mapping.hasFilenames ? '[FL]' : ''}${mapping.hasLineNumbers ? '[LN]' : ''}${mapping.hasInlineFrames ? '[IN]' : ''}`;
    lines.push(
      `${mapping.id}: ${hex(mapping.memoryStart)}/${hex(mapping.memoryLimit)}/${hex(mapping.fileOffset)} ${mapping.filename} ${mapping.buildId} ${bits}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

const hex = (value: bigint) => `0x${value.toString(16)}`;
