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
      throw new IncompatibleProfilesError(
        `profiles with different period types cannot be merged: ${typeName(first, first.periodType)} and ${typeName(source, source.periodType)}`,
      );
    }
  }

  const strings = new StringTable();
  const merged = new Profile({ stringTable: strings });
  const valueType = (profile: Profile, type: ValueType) =>
    new ValueType({
      type: strings.dedup(profile.stringTable.strings[Number(type.type)] ?? ''),
      unit: strings.dedup(profile.stringTable.strings[Number(type.unit)] ?? ''),
    });
  merged.sampleType = first.sampleType.map((type) => valueType(first, type));
  if (first.periodType) merged.periodType = valueType(first, first.periodType);

  // A bigint when exact nanoseconds need one (see decodeProfile).
  let timeNanos: number | bigint = 0;
  let durationNanos = 0;
  let period = 0;
  const comments: string[] = [];
  let defaultSampleType = '';
  for (const source of sources) {
    const text = (index: unknown) => source.stringTable.strings[Number(index)] ?? '';
    if (Number(timeNanos) === 0 || BigInt(source.timeNanos) < BigInt(timeNanos)) timeNanos = source.timeNanos;
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
  const kept = { mapping: [] as Mapping[], function: [] as PprofFunction[], location: [] as Location[] };

  // Everything is numbered in the order the samples first reach it, and only what a sample
  // reaches is kept, as go tool pprof's merge does: -raw then numbers things as Go does.
  for (const source of sources) {
    const text = (index: unknown) => source.stringTable.strings[Number(index)] ?? '';
    const sourceMappings = new Map(source.mapping.map((mapping) => [Number(mapping.id), mapping]));
    const sourceFunctions = new Map(source.function.map((fn) => [Number(fn.id), fn]));
    const sourceLocations = new Map(source.location.map((location) => [Number(location.id), location]));
    const mappingById = new Map<number, { mapping: Mapping; offset: number }>();
    const functionById = new Map<number, PprofFunction>();
    const locationById = new Map<number, Location>();

    const mapMapping = (id: number): { mapping: Mapping; offset: number } | undefined => {
      const known = mappingById.get(id);
      if (known) return known;
      const mapping = sourceMappings.get(id);
      if (!mapping) return undefined;
      // Sizes rounded up to a page: the same binary loads a little differently in each process.
      const size = Math.ceil((Number(mapping.memoryLimit) - Number(mapping.memoryStart)) / 0x1000) * 0x1000;
      const key = `${size}:${Number(mapping.fileOffset)}:${text(mapping.buildId) || text(mapping.filename)}`;
      const existing = mappings.get(key);
      const mapped = existing
        ? { mapping: existing, offset: Number(existing.memoryStart) - Number(mapping.memoryStart) }
        : {
            mapping: new Mapping({
              id: kept.mapping.length + 1,
              memoryStart: mapping.memoryStart,
              memoryLimit: mapping.memoryLimit,
              fileOffset: mapping.fileOffset,
              filename: strings.dedup(text(mapping.filename)),
              buildId: strings.dedup(text(mapping.buildId)),
              hasFunctions: mapping.hasFunctions,
              hasFilenames: mapping.hasFilenames,
              hasLineNumbers: mapping.hasLineNumbers,
              hasInlineFrames: mapping.hasInlineFrames,
            }),
            offset: 0,
          };
      if (!existing) {
        mappings.set(key, mapped.mapping);
        kept.mapping.push(mapped.mapping);
      }
      mappingById.set(id, mapped);
      return mapped;
    };
    const mapFunction = (id: number): PprofFunction | undefined => {
      const known = functionById.get(id);
      if (known) return known;
      const fn = sourceFunctions.get(id);
      if (!fn) return undefined;
      // NUL cannot occur in names or paths: the fields cannot run into each other.
      const key = `${Number(fn.startLine)}\0${text(fn.name)}\0${text(fn.systemName)}\0${text(fn.filename)}`;
      let target = functions.get(key);
      if (!target) {
        target = new PprofFunction({
          id: kept.function.length + 1,
          name: strings.dedup(text(fn.name)),
          systemName: strings.dedup(text(fn.systemName)),
          filename: strings.dedup(text(fn.filename)),
          startLine: fn.startLine,
        });
        functions.set(key, target);
        kept.function.push(target);
      }
      functionById.set(id, target);
      return target;
    };
    const mapLocation = (id: number): Location | undefined => {
      const known = locationById.get(id);
      if (known) return known;
      const location = sourceLocations.get(id);
      if (!location) return undefined;
      const mapped = mapMapping(Number(location.mappingId));
      const address = Number(location.address) + (mapped?.offset ?? 0);
      const lines = location.line.map((line) => [Number(mapFunction(Number(line.functionId))?.id ?? 0), Number(line.line)] as const);
      // Addresses are compared within their mapping, which may sit elsewhere in another process.
      const key = `${Number(mapped?.mapping.id ?? 0)}:${address - Number(mapped?.mapping.memoryStart ?? 0)}:${location.isFolded ? 1 : 0}:${lines.join(';')}`;
      let target = locations.get(key);
      if (!target) {
        target = new Location({
          id: kept.location.length + 1,
          mappingId: mapped?.mapping.id ?? 0,
          address,
          line: lines.map(([functionId, line]) => new Line({ functionId, line })),
          isFolded: location.isFolded,
        });
        locations.set(key, target);
        kept.location.push(target);
      }
      locationById.set(id, target);
      return target;
    };

    if (kept.mapping.length === 0 && source.mapping[0]) mapMapping(Number(source.mapping[0].id));
    for (const sample of source.sample) {
      if (sample.value.every((value) => Number(value) === 0)) continue;
      const locationIds = sample.locationId.map((id) => Number(mapLocation(Number(id))?.id ?? 0));
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
          label: labels.map(
            ([labelKey, str, num, numUnit]) => new Label({ key: strings.dedup(labelKey), str: strings.dedup(str), num, numUnit: strings.dedup(numUnit) }),
          ),
        }),
      );
    }
  }
  merged.mapping = kept.mapping;
  merged.function = kept.function;
  merged.location = kept.location;
  // Samples that cancel out (a profile minus its base) go, as zero samples do.
  merged.sample = [...samples.values()].filter((sample) => sample.value.some((value) => Number(value) !== 0));
  return merged;
}

/** The label go tool pprof marks a -diff_base's samples with. */
export const BASE_LABEL = 'pprof::base';

/**
 * The profile with every value negated, to be merged into another as a subtraction; with
 * `markAsBase`, its samples carry go tool pprof's base label, so percentages can be of it.
 * Changes the profile given.
 */
export function negated(profile: Profile, options: { markAsBase?: boolean } = {}): Profile {
  const strings = profile.stringTable;
  const key = strings.dedup(BASE_LABEL);
  const value = strings.dedup('true');
  for (const sample of profile.sample) {
    sample.value = sample.value.map((v) => -Number(v));
    if (options.markAsBase) sample.label = [...sample.label.filter((label) => Number(label.key) !== key), new Label({ key, str: value })];
  }
  return profile;
}
