import type { Profile } from 'pprof-format';
import { goDuration, goTime } from './time.ts';

/**
 * The text of `go tool pprof -raw`: the profile's own records, as go tool pprof dumps them for
 * debugging a profile's contents: header, each sample's values and location ids (then its
 * labels), each location with its address, mapping and lines, each mapping.
 */
export function rawReport(profile: Profile): string {
  const strings = profile.stringTable.strings;
  const text = (index: unknown) => strings[Number(index)] ?? '';
  const functions = new Map(profile.function.map((fn) => [Number(fn.id), fn]));
  const lines: string[] = profile.comment.map((comment) => `Comment: ${text(comment)}`);
  // Go reads an absent period type as an empty one, and prints it so.
  lines.push(`PeriodType: ${text(profile.periodType?.type)} ${text(profile.periodType?.unit)}`);
  lines.push(`Period: ${Number(profile.period)}`);
  if (Number(profile.timeNanos) !== 0) lines.push(`Time: ${goTime(BigInt(profile.timeNanos))}`);
  // Go prints the duration with %.4v: its usual form cut to four characters.
  if (Number(profile.durationNanos) !== 0) lines.push(`Duration: ${[...goDuration(Number(profile.durationNanos))].slice(0, 4).join('')}`);
  lines.push('Samples:');
  const defaultType = text(profile.defaultSampleType);
  lines.push(profile.sampleType.map((type) => `${text(type.type)}/${text(type.unit)}${text(type.type) === defaultType ? '[dflt]' : ''}`).join(' '));
  for (const sample of profile.sample) {
    lines.push(`${sample.value.map((value) => ` ${String(value).padStart(10)}`).join('')}: ${sample.locationId.map((id) => `${id} `).join('')}`);
    const byKey = new Map<string, { texts: string[]; numbers: string[]; units: string[] }>();
    for (const label of sample.label) {
      const key = text(label.key);
      const entry = byKey.get(key) ?? { texts: [], numbers: [], units: [] };
      if (Number(label.str) !== 0) entry.texts.push(text(label.str));
      else {
        entry.numbers.push(String(label.num));
        if (Number(label.numUnit) !== 0) entry.units.push(text(label.numUnit));
      }
      byKey.set(key, entry);
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
  for (const location of profile.location) {
    let head = `${String(location.id).padStart(6)}: ${hex(location.address)} `;
    if (Number(location.mappingId) !== 0) head += `M=${location.mappingId} `;
    if (location.isFolded) head += '[F] ';
    if (location.line.length === 0) lines.push(head);
    location.line.forEach((line, i) => {
      const fn = functions.get(Number(line.functionId));
      let frame = '??';
      if (fn) {
        frame = `${text(fn.name)} ${text(fn.filename)}:${line.line} s=${fn.startLine}`;
        if (text(fn.name) !== text(fn.systemName)) frame += `(${text(fn.systemName)})`;
      }
      lines.push(`${i === 0 ? head : ' '.repeat(13)}${frame}`);
    });
  }
  lines.push('Mappings');
  for (const mapping of profile.mapping) {
    const bits = `${mapping.hasFunctions ? '[FN]' : ''}${mapping.hasFilenames ? '[FL]' : ''}${mapping.hasLineNumbers ? '[LN]' : ''}${mapping.hasInlineFrames ? '[IN]' : ''}`;
    lines.push(
      `${mapping.id}: ${hex(mapping.memoryStart)}/${hex(mapping.memoryLimit)}/${hex(mapping.fileOffset)} ${text(mapping.filename)} ${text(mapping.buildId)} ${bits}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

const hex = (value: number | bigint) => `0x${BigInt(value).toString(16)}`;
