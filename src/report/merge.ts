import {
  emptyProfile,
  type Label,
  type Line,
  type Location,
  type Mapping,
  type Profile,
  type ProfileFunction,
  type Sample,
  type ValueType,
} from '../pprof/model.ts';
import { positionFinder } from './record-index.ts';

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
  // Samples found by a hash of their stack in an open-addressed table of sample numbers + 1
  // (0: free), then told apart by stack and labels. String keys, or a Map of lists, cost more
  // than the rest of the merge on large profiles: a sample with a new stack is the usual case.
  #sampleTable = new Int32Array(1024);
  readonly #sampleHashes: number[] = [];
  readonly #labelKeys: string[] = [];
  // The source's records already merged: locations and functions by their position in the
  // source's lists (found by id, see positionFinder), the rest by identity; with the shift of
  // a mapping loaded elsewhere.
  #mappingOf = new Map<Mapping, { mapping: Mapping; offset: bigint }>();
  #functionOf = new Map<ProfileFunction, ProfileFunction>();
  #locationOf = new Map<Location, Location>();
  #functionPosition: (fn: ProfileFunction) => number = () => -1;
  #functionsByPosition: (ProfileFunction | undefined)[] = [];
  #locationPosition: (location: Location) => number = () => -1;
  #locationsByPosition: (Location | undefined)[] = [];

  add(source: Profile): void {
    this.#mappingOf = new Map();
    this.#functionOf = new Map();
    this.#locationOf = new Map();
    this.#functionPosition = positionFinder(source.functions);
    this.#functionsByPosition = source.functions.map(() => undefined);
    this.#locationPosition = positionFinder(source.locations);
    this.#locationsByPosition = source.locations.map(() => undefined);
    if (this.mappings.length === 0 && source.mappings[0]) this.#mapping(source.mappings[0]);
    for (const sample of source.samples) {
      if (sample.values.some((value) => value !== 0)) this.#sample(sample);
    }
  }

  #sample(sample: Sample): void {
    const locations = new Array<Location>(sample.locations.length);
    let hash = sample.labels.length;
    for (let i = 0; i < locations.length; i++) {
      const location = this.#location(sample.locations[i]!);
      locations[i] = location;
      hash = (Math.imul(hash, 31) + location.id) | 0;
    }
    // Mixed, so that ids that differ in their high bits only land apart in the table.
    hash = Math.imul(hash ^ (hash >>> 16), 0x45d9f3b);
    hash ^= hash >>> 16;
    const labelKey = sample.labels.length === 0 ? '' : JSON.stringify(sample.labels.map((label) => [label.key, label.str, label.num, label.numUnit]).sort());
    const table = this.#sampleTable;
    const mask = table.length - 1;
    let slot = hash & mask;
    for (; table[slot] !== 0; slot = (slot + 1) & mask) {
      const index = table[slot]! - 1;
      const existing = this.samples[index]!;
      if (this.#sampleHashes[index] !== hash || this.#labelKeys[index] !== labelKey || !sameStack(existing.locations, locations)) continue;
      for (let i = 0; i < existing.values.length; i++) existing.values[i]! += sample.values[i] ?? 0;
      return;
    }
    const labels = sample.labels.map(({ key, str, num, numUnit }): Label => ({ key, str, num, numUnit }));
    this.samples.push({ locations, values: [...sample.values], labels });
    this.#sampleHashes.push(hash);
    this.#labelKeys.push(labelKey);
    table[slot] = this.samples.length;
    // At most half full, so that a probe for a new stack ends soon.
    if (this.samples.length * 2 > table.length) this.#growSampleTable();
  }

  #growSampleTable(): void {
    const table = new Int32Array(this.#sampleTable.length * 2);
    const mask = table.length - 1;
    this.#sampleHashes.forEach((hash, index) => {
      let slot = hash & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = index + 1;
    });
    this.#sampleTable = table;
  }

  #mapping(mapping: Mapping): { mapping: Mapping; offset: bigint } {
    const known = this.#mappingOf.get(mapping);
    if (known) return known;
    const key = mappingKey(mapping);
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
    const position = this.#functionPosition(fn);
    const known = position >= 0 ? this.#functionsByPosition[position] : this.#functionOf.get(fn);
    if (known !== undefined) return known;
    // NUL cannot occur in names or paths: the fields cannot run into each other.
    const key = `${fn.startLine}\0${fn.name}\0${fn.systemName}\0${fn.filename}`;
    let merged = this.#functionsByKey.get(key);
    if (!merged) {
      merged = { ...fn, id: this.functions.length + 1 };
      this.#functionsByKey.set(key, merged);
      this.functions.push(merged);
    }
    if (position >= 0) this.#functionsByPosition[position] = merged;
    else this.#functionOf.set(fn, merged);
    return merged;
  }

  #location(location: Location): Location {
    const position = this.#locationPosition(location);
    const known = position >= 0 ? this.#locationsByPosition[position] : this.#locationOf.get(location);
    if (known !== undefined) return known;
    const mapped = location.mapping && this.#mapping(location.mapping);
    const offset = mapped ? mapped.offset : 0n;
    const address = offset === 0n ? location.address : location.address + offset;
    // One loop, no closures, and no bigint arithmetic where the address or mapping start is 0
    // (Node's profiles have all addresses 0): every location of every source is keyed, and on a
    // small profile this runs cold, where each closure and bigint operation costs most.
    const lines: Line[] = new Array(location.lines.length);
    const start = mapped ? mapped.mapping.memoryStart : 0n;
    // Addresses are compared within their mapping, which may sit elsewhere in another process.
    const relative = start === 0n ? address : address - start;
    let key = `${mapped ? mapped.mapping.id : 0}:${relative === 0n ? '0' : relative.toString()}:${location.isFolded ? 1 : 0}:`;
    for (let i = 0; i < lines.length; i++) {
      const line = location.lines[i]!;
      const fn = this.#function(line.function);
      lines[i] = { function: fn, line: line.line, column: 0 };
      key += i === 0 ? `${fn.id},${line.line}` : `;${fn.id},${line.line}`;
    }
    let merged = this.#locationsByKey.get(key);
    if (!merged) {
      merged = { id: this.locations.length + 1, mapping: mapped?.mapping, address, lines, isFolded: location.isFolded };
      this.#locationsByKey.set(key, merged);
      this.locations.push(merged);
    }
    if (position >= 0) this.#locationsByPosition[position] = merged;
    else this.#locationOf.set(location, merged);
    return merged;
  }
}

/** What makes two mappings one in a merge: the same binary, loaded at the same offset and size. */
function mappingKey(mapping: Mapping): string {
  // Sizes rounded up to a page: the same binary loads a little differently in each process.
  const size = ((mapping.memoryLimit - mapping.memoryStart + 0xfffn) / 0x1000n) * 0x1000n;
  return `${size}:${mapping.fileOffset}:${mapping.buildId || mapping.filename}`;
}

/**
 * One profile as its merge would be for a report that only sums samples by what their frames
 * say (see SUMMING_REPORTS in driver.ts): the profile itself, its all-zero samples and repeated
 * comments gone (reports head with the comments). The merge of one profile also makes equal
 * records one, renumbers them and adds up samples with the same stack, none of which such a
 * report can see; only mappings that would become one move addresses, and then this gives
 * undefined: merge instead. Skipping the merge saves a quarter of a short report's run, most of
 * it in keying every record. Changes the profile given.
 */
export function aloneForSums(profile: Profile): Profile | undefined {
  const keys = new Set(profile.mappings.map(mappingKey));
  if (keys.size !== profile.mappings.length) return undefined;
  if (profile.samples.some((sample) => !sample.values.some((value) => value !== 0)))
    profile.samples = profile.samples.filter((sample) => sample.values.some((value) => value !== 0));
  profile.comments = [...new Set(profile.comments)];
  return profile;
}

function sameStack(a: readonly Location[], b: readonly Location[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
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
