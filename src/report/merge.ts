import { emptyProfile, type Label, type Location, type Mapping, type Profile, type ProfileFunction, type Sample, type ValueType } from '../pprof/model.ts';

/** Profiles that cannot be added up: their sample or period types differ. */
export class IncompatibleProfilesError extends Error {}

const typeName = (type: ValueType | undefined) => (type ? `${type.type}/${type.unit}` : '');

/**
 * Several profiles as one, as go tool pprof merges its sources (and even a single source):
 * mappings, functions and locations that say the same thing become one, samples with the same
 * stack and labels add up, samples that are zero in every type go, and the window spans from the
 * earliest start for the sum of the durations. Throws IncompatibleProfilesError when sample or
 * period types differ, naming both. The result shares nothing with the sources, so it can be
 * filtered in place.
 */
export function mergeProfiles(sources: readonly Profile[]): Profile {
  if (sources.length === 0) throw new IncompatibleProfilesError('no profiles to merge');
  checkCompatible(sources);
  const merged = mergedHeader(sources);
  const merger = new RecordMerger();
  for (const source of sources) merger.add(source);
  merged.mappings = merger.mappings;
  merged.functions = merger.functions;
  merged.locations = merger.locations;
  // Samples that cancel out (a profile minus its base) go, as zero samples do.
  merged.samples = merger.samples.filter((sample) => sample.values.some((value) => value !== 0));
  return merged;
}

function checkCompatible(sources: readonly Profile[]): void {
  const first = sources[0]!;
  const sampleTypes = first.sampleTypes.map(typeName).join(', ');
  for (const source of sources.slice(1)) {
    const theirs = source.sampleTypes.map(typeName).join(', ');
    if (theirs !== sampleTypes) throw new IncompatibleProfilesError(`profiles with different sample types cannot be merged: [${sampleTypes}] and [${theirs}]`);
    if (typeName(source.periodType) !== typeName(first.periodType)) {
      throw new IncompatibleProfilesError(
        `profiles with different period types cannot be merged: ${typeName(first.periodType)} and ${typeName(source.periodType)}`,
      );
    }
  }
}

/** The merged profile's own fields: the first's types, the earliest start, the summed durations, the longest period. */
function mergedHeader(sources: readonly Profile[]): Profile {
  const first = sources[0]!;
  const merged = emptyProfile(first.sampleTypes.map((type) => ({ ...type })));
  if (first.periodType) merged.periodType = { ...first.periodType };
  for (const source of sources) {
    if (merged.timeNanos === 0n || source.timeNanos < merged.timeNanos) merged.timeNanos = source.timeNanos;
    merged.durationNanos += source.durationNanos;
    if (merged.period === 0 || merged.period < source.period) merged.period = source.period;
    for (const comment of source.comments) if (!merged.comments.includes(comment)) merged.comments.push(comment);
    if (!merged.defaultSampleType) merged.defaultSampleType = source.defaultSampleType;
  }
  merged.dropFrames = first.dropFrames;
  merged.keepFrames = first.keepFrames;
  return merged;
}

/**
 * Makes one set of records of several profiles' records. Everything is numbered in the order
 * the samples first reach it, and only what a sample reaches is kept, as go tool pprof's merge
 * does: -raw then numbers things as Go does.
 */
class RecordMerger {
  readonly mappings: Mapping[] = [];
  readonly functions: ProfileFunction[] = [];
  readonly locations: Location[] = [];
  readonly samples: Sample[] = [];
  // What each record says, as a key: records that say the same are one.
  readonly #mappingsByKey = new Map<string, Mapping>();
  readonly #functionsByKey = new Map<string, ProfileFunction>();
  readonly #locationsByKey = new Map<string, Location>();
  readonly #samplesByKey = new Map<string, Sample>();
  // The source's records already merged, with the shift of a mapping loaded elsewhere.
  #mappingOf = new Map<Mapping, { mapping: Mapping; offset: bigint }>();
  #functionOf = new Map<ProfileFunction, ProfileFunction>();
  #locationOf = new Map<Location, Location>();

  add(source: Profile): void {
    this.#mappingOf = new Map();
    this.#functionOf = new Map();
    this.#locationOf = new Map();
    if (this.mappings.length === 0 && source.mappings[0]) this.#mapping(source.mappings[0]);
    for (const sample of source.samples) {
      if (sample.values.every((value) => value === 0)) continue;
      this.#sample(sample);
    }
  }

  #sample(sample: Sample): void {
    const locations = sample.locations.map((location) => this.#location(location));
    const labels = sample.labels.map((label) => [label.key, label.str, label.num, label.numUnit] as const);
    const stack = locations.map((location) => location.id).join(',');
    const key = labels.length === 0 ? stack : `${stack}|${JSON.stringify([...labels].sort())}`;
    const existing = this.#samplesByKey.get(key);
    if (existing) {
      existing.values = existing.values.map((value, i) => value + (sample.values[i] ?? 0));
      return;
    }
    const merged: Sample = { locations, values: [...sample.values], labels: labels.map(([key, str, num, numUnit]): Label => ({ key, str, num, numUnit })) };
    this.#samplesByKey.set(key, merged);
    this.samples.push(merged);
  }

  #mapping(mapping: Mapping): { mapping: Mapping; offset: bigint } {
    const known = this.#mappingOf.get(mapping);
    if (known) return known;
    // Sizes rounded up to a page: the same binary loads a little differently in each process.
    const size = ((mapping.memoryLimit - mapping.memoryStart + 0xfffn) / 0x1000n) * 0x1000n;
    const key = `${size}:${mapping.fileOffset}:${mapping.buildId || mapping.filename}`;
    const existing = this.#mappingsByKey.get(key);
    let mapped: { mapping: Mapping; offset: bigint };
    if (existing) mapped = { mapping: existing, offset: existing.memoryStart - mapping.memoryStart };
    else {
      mapped = { mapping: { ...mapping, id: this.mappings.length + 1 }, offset: 0n };
      this.#mappingsByKey.set(key, mapped.mapping);
      this.mappings.push(mapped.mapping);
    }
    this.#mappingOf.set(mapping, mapped);
    return mapped;
  }

  #function(fn: ProfileFunction): ProfileFunction {
    const known = this.#functionOf.get(fn);
    if (known) return known;
    // NUL cannot occur in names or paths: the fields cannot run into each other.
    const key = `${fn.startLine}\0${fn.name}\0${fn.systemName}\0${fn.filename}`;
    let merged = this.#functionsByKey.get(key);
    if (!merged) {
      merged = { ...fn, id: this.functions.length + 1 };
      this.#functionsByKey.set(key, merged);
      this.functions.push(merged);
    }
    this.#functionOf.set(fn, merged);
    return merged;
  }

  #location(location: Location): Location {
    const known = this.#locationOf.get(location);
    if (known) return known;
    const mapped = location.mapping && this.#mapping(location.mapping);
    const address = location.address + (mapped?.offset ?? 0n);
    const lines = location.lines.map((line) => ({ function: this.#function(line.function), line: line.line, column: 0 }));
    // Addresses are compared within their mapping, which may sit elsewhere in another process.
    const where = `${mapped?.mapping.id ?? 0}:${address - (mapped?.mapping.memoryStart ?? 0n)}:${location.isFolded ? 1 : 0}`;
    const key = `${where}:${lines.map((line) => `${line.function.id},${line.line}`).join(';')}`;
    let merged = this.#locationsByKey.get(key);
    if (!merged) {
      merged = { id: this.locations.length + 1, mapping: mapped?.mapping, address, lines, isFolded: location.isFolded };
      this.#locationsByKey.set(key, merged);
      this.locations.push(merged);
    }
    this.#locationOf.set(location, merged);
    return merged;
  }
}

/** The label go tool pprof marks a -diff_base's samples with. */
export const BASE_LABEL = 'pprof::base';

/**
 * The profile with every value negated, to be merged into another as a subtraction; with
 * `markAsBase`, its samples carry go tool pprof's base label, so percentages can be of it.
 * Changes the profile given.
 */
export function negated(profile: Profile, options: { markAsBase?: boolean } = {}): Profile {
  for (const sample of profile.samples) {
    sample.values = sample.values.map((value) => -value);
    if (options.markAsBase)
      sample.labels = [...sample.labels.filter((label) => label.key !== BASE_LABEL), { key: BASE_LABEL, str: 'true', num: 0, numUnit: '' }];
  }
  return profile;
}
