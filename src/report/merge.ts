import { Function as PprofFunction, Label, Line, Location, Mapping, Profile, Sample, StringTable, ValueType } from 'pprof-format';

/** Profiles that cannot be added up: their sample or period types differ. */
export class IncompatibleProfilesError extends Error {}

const typeName = (profile: Profile, type: ValueType | undefined) =>
  type ? `${profile.stringTable.strings[Number(type.type)] ?? ''}/${profile.stringTable.strings[Number(type.unit)] ?? ''}` : '';

/**
 * Several profiles as one, as go tool pprof merges its sources (and even a single source):
 * mappings, functions and locations that say the same thing become one, samples with the same
 * stack and labels add up, samples that are zero in every type go, and the window spans from the
 * earliest start for the sum of the durations. Throws IncompatibleProfilesError when sample or
 * period types differ, naming both.
 */
export function mergeProfiles(sources: readonly Profile[]): Profile {
  if (sources.length === 0) throw new IncompatibleProfilesError('no profiles to merge');
  const first = sources[0]!;
  const sampleTypes = first.sampleType.map((type) => typeName(first, type)).join(', ');
  for (const source of sources.slice(1)) {
    const theirs = source.sampleType.map((type) => typeName(source, type)).join(', ');
    if (theirs !== sampleTypes) throw new IncompatibleProfilesError(`profiles with different sample types cannot be merged: [${sampleTypes}] and [${theirs}]`);
    if (typeName(source, source.periodType) !== typeName(first, first.periodType)) {
      throw new IncompatibleProfilesError(`profiles with different period types cannot be merged: ${typeName(first, first.periodType)} and ${typeName(source, source.periodType)}`);
    }
  }

  const strings = new StringTable();
  const merged = new Profile({ stringTable: strings });
  const valueType = (profile: Profile, type: ValueType) =>
    new ValueType({ type: strings.dedup(profile.stringTable.strings[Number(type.type)] ?? ''), unit: strings.dedup(profile.stringTable.strings[Number(type.unit)] ?? '') });
  merged.sampleType = first.sampleType.map((type) => valueType(first, type));
  if (first.periodType) merged.periodType = valueType(first, first.periodType);

  let timeNanos = 0;
  let durationNanos = 0;
  let period = 0;
  const comments: string[] = [];
  let defaultSampleType = '';
  for (const source of sources) {
    const text = (index: unknown) => source.stringTable.strings[Number(index)] ?? '';
    if (timeNanos === 0 || Number(source.timeNanos) < timeNanos) timeNanos = Number(source.timeNanos);
    durationNanos += Number(source.durationNanos);
    if (period === 0 || period < Number(source.period)) period = Number(source.period);
    for (const comment of source.comment) if (!comments.includes(text(comment))) comments.push(text(comment));
    if (!defaultSampleType) defaultSampleType = text(source.defaultSampleType);
  }
  merged.timeNanos = timeNanos;
  merged.durationNanos = durationNanos;
  merged.period = period;
  merged.comment = comments.map((comment) => strings.dedup(comment));
  if (defaultSampleType) merged.defaultSampleType = strings.dedup(defaultSampleType);
  merged.dropFrames = strings.dedup(first.stringTable.strings[Number(first.dropFrames)] ?? '');
  merged.keepFrames = strings.dedup(first.stringTable.strings[Number(first.keepFrames)] ?? '');

  const mappings = new Map<string, Mapping>();
  const functions = new Map<string, PprofFunction>();
  const locations = new Map<string, Location>();
  const samples = new Map<string, Sample>();

  for (const source of sources) {
    const text = (index: unknown) => source.stringTable.strings[Number(index)] ?? '';
    const mappingById = new Map<number, Mapping>();
    const mappingStart = new Map(source.mapping.map((mapping) => [Number(mapping.id), Number(mapping.memoryStart)]));
    for (const mapping of source.mapping) {
      const start = Number(mapping.memoryStart);
      const key = JSON.stringify([Number(mapping.memoryLimit) - start, Number(mapping.fileOffset), text(mapping.buildId) || text(mapping.filename)]);
      let target = mappings.get(key);
      if (!target) {
        target = new Mapping({
          id: mappings.size + 1,
          memoryStart: mapping.memoryStart,
          memoryLimit: mapping.memoryLimit,
          fileOffset: mapping.fileOffset,
          filename: strings.dedup(text(mapping.filename)),
          buildId: strings.dedup(text(mapping.buildId)),
          hasFunctions: mapping.hasFunctions,
          hasFilenames: mapping.hasFilenames,
          hasLineNumbers: mapping.hasLineNumbers,
          hasInlineFrames: mapping.hasInlineFrames,
        });
        mappings.set(key, target);
      }
      mappingById.set(Number(mapping.id), target);
    }
    const functionById = new Map<number, PprofFunction>();
    for (const fn of source.function) {
      // NUL cannot occur in names or paths: the fields cannot run into each other.
      const key = `${Number(fn.startLine)}\0${text(fn.name)}\0${text(fn.systemName)}\0${text(fn.filename)}`;
      let target = functions.get(key);
      if (!target) {
        target = new PprofFunction({
          id: functions.size + 1,
          name: strings.dedup(text(fn.name)),
          systemName: strings.dedup(text(fn.systemName)),
          filename: strings.dedup(text(fn.filename)),
          startLine: fn.startLine,
        });
        functions.set(key, target);
      }
      functionById.set(Number(fn.id), target);
    }
    const locationById = new Map<number, Location>();
    for (const location of source.location) {
      const mapping = mappingById.get(Number(location.mappingId));
      // Addresses are compared within their mapping, which may sit elsewhere in another process.
      const address = Number(location.address) - (mappingStart.get(Number(location.mappingId)) ?? 0);
      const lines = location.line.map((line) => [Number(functionById.get(Number(line.functionId))?.id ?? 0), Number(line.line)]);
      const key = `${Number(mapping?.id ?? 0)}:${address}:${location.isFolded ? 1 : 0}:${lines.join(';')}`;
      let target = locations.get(key);
      if (!target) {
        target = new Location({
          id: locations.size + 1,
          mappingId: mapping?.id ?? 0,
          address: location.address,
          line: lines.map(([functionId, line]) => new Line({ functionId: functionId!, line: line! })),
          isFolded: location.isFolded,
        });
        locations.set(key, target);
      }
      locationById.set(Number(location.id), target);
    }
    for (const sample of source.sample) {
      if (sample.value.every((value) => Number(value) === 0)) continue;
      const locationIds = sample.locationId.map((id) => Number(locationById.get(Number(id))?.id ?? 0));
      const labels = sample.label.map((label) => [text(label.key), text(label.str), Number(label.num), text(label.numUnit)] as const);
      const key = labels.length === 0 ? locationIds.join(',') : `${locationIds.join(',')}|${JSON.stringify([...labels].sort())}`;
      const existing = samples.get(key);
      if (existing) {
        existing.value = existing.value.map((value, i) => Number(value) + Number(sample.value[i] ?? 0));
        continue;
      }
      samples.set(
        key,
        new Sample({
          locationId: locationIds,
          value: sample.value.map(Number),
          label: labels.map(([labelKey, str, num, numUnit]) => new Label({ key: strings.dedup(labelKey), str: strings.dedup(str), num, numUnit: strings.dedup(numUnit) })),
        }),
      );
    }
  }
  merged.mapping = [...mappings.values()];
  merged.function = [...functions.values()];
  merged.location = [...locations.values()];
  // Samples that cancel out (a profile minus its base) go, as zero samples do.
  merged.sample = [...samples.values()].filter((sample) => sample.value.some((value) => Number(value) !== 0));
  return merged;
}
