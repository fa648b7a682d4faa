/**
 * The profile every part of the workshop reads and writes: pprof's records with their references
 * resolved. A sample holds its locations, a location its mapping and lines, a line its function;
 * every string is a string and every number a number, so no reader looks an id up or indexes the
 * string table. The wire format's ids stay on mappings, locations and functions, because `-raw`
 * prints them and encoding writes them back; decodeProfile and encodeProfile (codec.ts) convert.
 */

/** What a sample's value measures, such as cpu/nanoseconds or inuse_space/bytes. */
export interface ValueType {
  type: string;
  unit: string;
}

/** A binary, or for the JavaScript profilers the one "binary" every location belongs to. */
export interface Mapping {
  id: number;
  /** Addresses are 64-bit: a double would round those past 2^53. */
  memoryStart: bigint;
  memoryLimit: bigint;
  fileOffset: bigint;
  filename: string;
  buildId: string;
  hasFunctions: boolean;
  hasFilenames: boolean;
  hasLineNumbers: boolean;
  hasInlineFrames: boolean;
}

export interface ProfileFunction {
  id: number;
  name: string;
  systemName: string;
  filename: string;
  /** The line the function starts on; 0 when unknown. */
  startLine: number;
}

/** A position in a function; a location with inlined calls has several, innermost first. */
export interface Line {
  function: ProfileFunction;
  line: number;
  column: number;
}

export interface Location {
  id: number;
  mapping: Mapping | undefined;
  address: bigint;
  /** Innermost (inlined) first; empty when only the address is known. */
  lines: Line[];
  isFolded: boolean;
}

/**
 * A text label when `str` is not empty, else a numeric one (`num`, in `numUnit` when given), as
 * pprof tells them apart.
 */
export interface Label {
  key: string;
  str: string;
  num: number;
  numUnit: string;
}

export interface Sample {
  /** The stack, leaf first. */
  locations: Location[];
  /** One per sample type, in the profile's order. */
  values: number[];
  labels: Label[];
}

export interface Profile {
  sampleTypes: ValueType[];
  samples: Sample[];
  mappings: Mapping[];
  locations: Location[];
  functions: ProfileFunction[];
  /** Regular expressions of frames to drop and keep, as the producer asks readers to. */
  dropFrames: string;
  keepFrames: string;
  /** Start of the window, nanoseconds since the Unix epoch (0 when unknown): past 2^53, so a bigint. */
  timeNanos: bigint;
  /** Length of the window in nanoseconds (0 when unknown). */
  durationNanos: number;
  periodType: ValueType | undefined;
  period: number;
  comments: string[];
  /** The sample type readers show unless told otherwise; empty for the last one. */
  defaultSampleType: string;
  docUrl: string;
}

/** A profile with nothing in it yet: the header fields at their "unknown" values. */
export function emptyProfile(sampleTypes: ValueType[]): Profile {
  return {
    sampleTypes,
    samples: [],
    mappings: [],
    locations: [],
    functions: [],
    dropFrames: '',
    keepFrames: '',
    timeNanos: 0n,
    durationNanos: 0,
    periodType: undefined,
    period: 0,
    comments: [],
    defaultSampleType: '',
    docUrl: '',
  };
}

/** A mapping that knows nothing yet: no addresses, no file, no flags. */
export function emptyMapping(id: number): Mapping {
  return {
    id,
    memoryStart: 0n,
    memoryLimit: 0n,
    fileOffset: 0n,
    filename: '',
    buildId: '',
    hasFunctions: false,
    hasFilenames: false,
    hasLineNumbers: false,
    hasInlineFrames: false,
  };
}

/** The text values of a sample's labels under `key`, in order. */
export function labelTexts(sample: Sample, key: string): string[] {
  return sample.labels.filter((label) => label.key === key && label.str !== '').map((label) => label.str);
}

/** The numeric values of a sample's labels under `key`, in order. */
export function labelNumbers(sample: Sample, key: string): number[] {
  return sample.labels.filter((label) => label.key === key && label.str === '').map((label) => label.num);
}

/** The index of a sample type by its name, or -1. */
export function sampleTypeIndex(profile: Profile, type: string): number {
  return profile.sampleTypes.findIndex((valueType) => valueType.type === type);
}
