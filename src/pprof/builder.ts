import type { Label, Location, Mapping, Profile, ProfileFunction, Sample } from './model.ts';

/**
 * One frame of a stack. Positions are 1-based; 0 means unknown.
 * `line` is the line the frame was executing when V8 knows it (a leaf), else the function's
 * first line: V8 records no call-site lines for callers.
 */
export interface Frame {
  name: string;
  file: string;
  line: number;
  column?: number;
  /** The line the function starts on, for pprof's Function.start_line. */
  functionLine?: number;
}

export interface ValueTypeSpec {
  type: string;
  unit: string;
}

/** A label value: strings become pprof `str` labels, numbers `num` labels (with an optional unit). */
export type LabelValue = string | number | { num: number; unit: string };

export interface ProfileHeader {
  sampleTypes: ValueTypeSpec[];
  periodType?: ValueTypeSpec;
  period?: number;
  /** Start of the window, nanoseconds since the Unix epoch. */
  timeNanos?: number | bigint;
  /** Length of the window in nanoseconds. */
  durationNanos?: number;
  /** Name of the sample type readers show unless told otherwise (pprof takes the last one when unset). */
  defaultSampleType?: string;
  comments?: string[];
  /**
   * File name of the single mapping every location belongs to. pprof readers show it as the
   * "binary"; marking it as already symbolized keeps them from looking for a binary to read.
   */
  mappingFile?: string;
}

/**
 * Builds a profile: interns functions, locations and the mapping (ids from 1) and folds samples with the same stack and labels into one, summing values,
 * so a profile's size grows with distinct stacks, not with time.
 */
export class ProfileBuilder {
  readonly #functions = new Map<string, ProfileFunction>();
  readonly #locations = new Map<string, Location>();
  readonly #samples = new Map<string, Sample>();
  readonly #header: ProfileHeader;
  readonly #valueCount: number;
  readonly #mapping: Mapping;

  constructor(header: ProfileHeader) {
    if (header.sampleTypes.length === 0) throw new Error('a profile needs at least one sample type');
    this.#header = header;
    this.#valueCount = header.sampleTypes.length;
    this.#mapping = {
      id: 1,
      memoryStart: 0n,
      memoryLimit: 0n,
      fileOffset: 0n,
      filename: header.mappingFile ?? 'node',
      buildId: '',
      hasFunctions: true,
      hasFilenames: true,
      hasLineNumbers: true,
      hasInlineFrames: false,
    };
  }

  /** Adds values for a stack given leaf first, as pprof stores it. */
  addSample(stack: readonly Frame[], values: readonly number[], labels?: Readonly<Record<string, LabelValue>>): void {
    if (values.length !== this.#valueCount) {
      throw new Error(`sample has ${values.length} values, the profile has ${this.#valueCount} sample types`);
    }
    const locations = stack.map((frame) => this.#location(frame));
    const labelEntries = labels ? Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : [];
    const key = `${locations.map((location) => location.id).join(',')}|${JSON.stringify(labelEntries)}`;
    const existing = this.#samples.get(key);
    if (existing) {
      for (let i = 0; i < values.length; i++) existing.values[i] = existing.values[i]! + values[i]!;
      return;
    }
    this.#samples.set(key, { locations, values: [...values], labels: labelEntries.map(([name, value]) => label(name, value)) });
  }

  get sampleCount(): number {
    return this.#samples.size;
  }

  build(): Profile {
    const header = this.#header;
    if (header.defaultSampleType && !header.sampleTypes.some((t) => t.type === header.defaultSampleType)) {
      throw new Error(`default sample type ${header.defaultSampleType} is not one of the sample types`);
    }
    return {
      sampleTypes: header.sampleTypes.map(({ type, unit }) => ({ type, unit })),
      samples: [...this.#samples.values()],
      mappings: [this.#mapping],
      locations: [...this.#locations.values()],
      functions: [...this.#functions.values()],
      dropFrames: '',
      keepFrames: '',
      timeNanos: typeof header.timeNanos === 'bigint' ? header.timeNanos : BigInt(Math.round(header.timeNanos ?? 0)),
      durationNanos: header.durationNanos ?? 0,
      periodType: header.periodType ? { ...header.periodType } : undefined,
      period: header.period ?? 0,
      comments: [...(header.comments ?? [])],
      defaultSampleType: header.defaultSampleType ?? '',
      docUrl: '',
    };
  }

  #function(frame: Frame): ProfileFunction {
    const startLine = frame.functionLine ?? 0;
    const key = `${frame.name}\0${frame.file}\0${startLine}`;
    let fn = this.#functions.get(key);
    if (!fn) {
      fn = { id: this.#functions.size + 1, name: frame.name, systemName: frame.name, filename: frame.file, startLine };
      this.#functions.set(key, fn);
    }
    return fn;
  }

  #location(frame: Frame): Location {
    const fn = this.#function(frame);
    const key = `${fn.id}:${frame.line}:${frame.column ?? 0}`;
    let location = this.#locations.get(key);
    if (!location) {
      location = {
        id: this.#locations.size + 1,
        mapping: this.#mapping,
        address: 0n,
        lines: [{ function: fn, line: frame.line, column: frame.column ?? 0 }],
        isFolded: false,
      };
      this.#locations.set(key, location);
    }
    return location;
  }
}

function label(key: string, value: LabelValue): Label {
  if (typeof value === 'string') return { key, str: value, num: 0, numUnit: '' };
  if (typeof value === 'number') return { key, str: '', num: value, numUnit: '' };
  return { key, str: '', num: value.num, numUnit: value.unit };
}
