import { Function as PprofFunction, Label, Line, Location, Mapping, Profile, Sample, StringTable, ValueType } from 'pprof-format';

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
  timeNanos?: number;
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
 * Builds a pprof Profile: interns strings, functions, locations and the mapping (ids from 1,
 * string 0 = "") and folds samples with the same stack and labels into one, summing values,
 * so a profile's size grows with distinct stacks, not with time.
 */
export class ProfileBuilder {
  readonly #strings = new StringTable();
  readonly #functions = new Map<string, PprofFunction>();
  readonly #locations = new Map<string, Location>();
  readonly #samples = new Map<string, Sample>();
  readonly #header: ProfileHeader;
  readonly #valueCount: number;

  constructor(header: ProfileHeader) {
    if (header.sampleTypes.length === 0) throw new Error('a profile needs at least one sample type');
    this.#header = header;
    this.#valueCount = header.sampleTypes.length;
  }

  /** Adds values for a stack given leaf first, as pprof stores it. */
  addSample(stack: readonly Frame[], values: readonly number[], labels?: Readonly<Record<string, LabelValue>>): void {
    if (values.length !== this.#valueCount) {
      throw new Error(`sample has ${values.length} values, the profile has ${this.#valueCount} sample types`);
    }
    const locationIds = stack.map((frame) => this.#locationId(frame));
    const labelEntries = labels ? Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : [];
    const key = `${locationIds.join(',')}|${JSON.stringify(labelEntries)}`;
    const existing = this.#samples.get(key);
    if (existing) {
      for (let i = 0; i < values.length; i++) existing.value[i] = Number(existing.value[i]) + values[i]!;
      return;
    }
    this.#samples.set(
      key,
      new Sample({
        locationId: locationIds,
        value: [...values],
        label: labelEntries.map(([name, value]) => this.#label(name, value)),
      }),
    );
  }

  get sampleCount(): number {
    return this.#samples.size;
  }

  build(): Profile {
    const header = this.#header;
    const strings = this.#strings;
    const valueType = (spec: ValueTypeSpec) => new ValueType({ type: strings.dedup(spec.type), unit: strings.dedup(spec.unit) });
    const mapping = new Mapping({
      id: 1,
      filename: strings.dedup(header.mappingFile ?? 'node'),
      hasFunctions: true,
      hasFilenames: true,
      hasLineNumbers: true,
    });
    const defaultIndex = header.defaultSampleType ? header.sampleTypes.findIndex((t) => t.type === header.defaultSampleType) : -1;
    if (header.defaultSampleType && defaultIndex < 0) {
      throw new Error(`default sample type ${header.defaultSampleType} is not one of the sample types`);
    }
    return new Profile({
      sampleType: header.sampleTypes.map(valueType),
      sample: [...this.#samples.values()],
      mapping: [mapping],
      location: [...this.#locations.values()],
      function: [...this.#functions.values()],
      stringTable: strings,
      timeNanos: header.timeNanos ?? 0,
      durationNanos: header.durationNanos ?? 0,
      periodType: header.periodType ? valueType(header.periodType) : undefined,
      period: header.period ?? 0,
      comment: (header.comments ?? []).map((c) => strings.dedup(c)),
      defaultSampleType: header.defaultSampleType ? strings.dedup(header.defaultSampleType) : 0,
    });
  }

  #functionId(frame: Frame): number {
    const startLine = frame.functionLine ?? 0;
    const key = `${frame.name}\0${frame.file}\0${startLine}`;
    let fn = this.#functions.get(key);
    if (!fn) {
      fn = new PprofFunction({
        id: this.#functions.size + 1,
        name: this.#strings.dedup(frame.name),
        systemName: this.#strings.dedup(frame.name),
        filename: this.#strings.dedup(frame.file),
        startLine,
      });
      this.#functions.set(key, fn);
    }
    return Number(fn.id);
  }

  #locationId(frame: Frame): number {
    const functionId = this.#functionId(frame);
    const key = `${functionId}:${frame.line}:${frame.column ?? 0}`;
    let location = this.#locations.get(key);
    if (!location) {
      location = new Location({
        id: this.#locations.size + 1,
        mappingId: 1,
        line: [new Line({ functionId, line: frame.line, column: frame.column ?? 0 })],
      });
      this.#locations.set(key, location);
    }
    return Number(location.id);
  }

  #label(name: string, value: LabelValue): Label {
    const key = this.#strings.dedup(name);
    if (typeof value === 'string') return new Label({ key, str: this.#strings.dedup(value) });
    if (typeof value === 'number') return new Label({ key, num: value });
    return new Label({ key, num: value.num, numUnit: this.#strings.dedup(value.unit) });
  }
}
