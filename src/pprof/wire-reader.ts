import { ProfileFormatError } from './format-error.ts';
import { emptyMapping, type Label, type Line, type Location, type Mapping, type Profile, type ProfileFunction, type Sample, type ValueType } from './model.ts';

/**
 * Reads profile.proto's bytes straight into the model (model.ts): no intermediate objects, each
 * string decoded once. A profile's string table comes last as Go writes it, and every record
 * names strings, so the top level is walked first, noting where each record lies, and the
 * records are read after the strings. Packed and unpacked repeated numbers are both read (Go
 * writes packed; both are valid protobuf), and fields the model has no place for are skipped.
 *
 * Numbers follow profile.proto: int64 fields are read signed, uint64 addresses as bigints.
 * Bytes that are no protobuf, and protobuf that breaks pprof's rules, are refused with a
 * ProfileFormatError saying what is wrong.
 */
export function readProfileWire(bytes: Uint8Array): Profile {
  return new WireReader(bytes).profile();
}

const VARINT = 0;
const FIXED64 = 1;
const LENGTH = 2;
const FIXED32 = 5;
const WIRE_TYPE_NAMES = ['a varint', 'a fixed64', 'length-delimited bytes', 'a group start', 'a group end', 'a fixed32', 'wire type 6', 'wire type 7'];

/** Field numbers of profile.proto's messages. */
const PROFILE = {
  sampleType: 1,
  sample: 2,
  mapping: 3,
  location: 4,
  function: 5,
  stringTable: 6,
  dropFrames: 7,
  keepFrames: 8,
  timeNanos: 9,
  durationNanos: 10,
  periodType: 11,
  period: 12,
  comment: 13,
  defaultSampleType: 14,
  docUrl: 15,
};

const notProtobuf = (what: string) => new ProfileFormatError(`not a pprof protobuf (${what})`);
const notPprof = (what: string) => new ProfileFormatError(`not a pprof profile: ${what}`);

class WireReader {
  private readonly bytes: Uint8Array;
  private at = 0;
  private strings: string[] = [];
  // What function() and location() found beside the record they return: a pair returned as an
  // array costs an allocation and a destructuring per record, which cold code (every start) pays.
  private named = true;
  private missingFunction: number | undefined;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  /** A varint as a number: exact below 2^53, which ids, indexes and counts always are. */
  private varint(end: number): number {
    const bytes = this.bytes;
    if (this.at >= end) throw this.pastEnd('a number', end);
    let byte = bytes[this.at++]!;
    if (byte < 0x80) return byte;
    let value = byte & 0x7f;
    let scale = 0x80;
    for (let count = 1; ; count++) {
      if (this.at >= end) throw this.pastEnd('a number', end);
      if (count === 10) throw notProtobuf('a number is longer than 10 bytes');
      byte = bytes[this.at++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 0x80;
    }
  }

  private pastEnd(what: string, end: number): ProfileFormatError {
    return notProtobuf(`${what} runs past the end of its ${end === this.bytes.length ? 'profile' : 'record'}`);
  }

  /** The varint that starts at `start`, exactly, cut to 64 bits. */
  private wideVarint(start: number): bigint {
    let value = 0n;
    let shift = 0n;
    for (let at = start; ; at++) {
      const byte = this.bytes[at]!;
      value |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return BigInt.asUintN(64, value);
      shift += 7n;
    }
  }

  /** An int64 field: a negative one is written as 2^64 minus its size. */
  private int64(end: number): number {
    const start = this.at;
    const value = this.varint(end);
    return value <= Number.MAX_SAFE_INTEGER ? value : Number(BigInt.asIntN(64, this.wideVarint(start)));
  }

  /** A uint64 field the model holds exactly (addresses). */
  private uint64(end: number): bigint {
    const start = this.at;
    const value = this.varint(end);
    if (value === 0) return 0n;
    return value <= Number.MAX_SAFE_INTEGER ? BigInt(value) : this.wideVarint(start);
  }

  /** An id: uint64, as a number (the model's ids are numbers). */
  private id(end: number): number {
    const start = this.at;
    const value = this.varint(end);
    return value <= Number.MAX_SAFE_INTEGER ? value : Number(this.wideVarint(start));
  }

  /** Where the length-delimited field at the cursor ends; the cursor moves to its bytes. */
  private lengthEnd(end: number): number {
    const length = this.varint(end);
    const fieldEnd = this.at + length;
    if (fieldEnd > end) throw this.pastEnd(`a field of ${length} bytes`, end);
    return fieldEnd;
  }

  /** Steps over a field the model has no place for. */
  private skip(wireType: number, field: number, end: number): void {
    if (wireType === VARINT) this.varint(end);
    else if (wireType === LENGTH) this.at = this.lengthEnd(end);
    else if (wireType === FIXED64 || wireType === FIXED32) {
      this.at += wireType === FIXED64 ? 8 : 4;
      if (this.at > end) throw this.pastEnd(`field ${field}`, end);
    } else throw notProtobuf(`field ${field} is ${WIRE_TYPE_NAMES[wireType]}, which profile.proto has none of`);
  }

  /** The wire type a known field must have, or a complaint. */
  private expect(wireType: number, wanted: number, field: number, message: string): void {
    if (wireType !== wanted) throw notProtobuf(`field ${field} of a ${message} is ${WIRE_TYPE_NAMES[wireType]}, not ${WIRE_TYPE_NAMES[wanted]}`);
  }

  /** A repeated int64 or uint64 field, packed or not, appended to `into` as numbers. */
  private numbers(wireType: number, end: number, into: number[], signed: boolean, field: number, message: string): void {
    if (wireType === VARINT) {
      into.push(signed ? this.int64(end) : this.id(end));
      return;
    }
    this.expect(wireType, LENGTH, field, message);
    const packedEnd = this.lengthEnd(end);
    while (this.at < packedEnd) into.push(signed ? this.int64(packedEnd) : this.id(packedEnd));
  }

  /** The string at a (signed) index, or undefined when the table has none there. */
  private text(index: number): string | undefined {
    return this.strings[index];
  }

  private str(index: number): string {
    return this.strings[index] ?? '';
  }

  profile(): Profile {
    const bytes = this.bytes;
    const end = bytes.length;
    // Where each record lies, as [start, end) pairs, until the strings are read.
    const sampleTypeRanges: number[] = [];
    const sampleRanges: number[] = [];
    const mappingRanges: number[] = [];
    const locationRanges: number[] = [];
    const functionRanges: number[] = [];
    const stringRanges: number[] = [];
    let periodTypeRange: number[] | undefined;
    const commentIndexes: number[] = [];
    let [dropFrames, keepFrames, defaultSampleType, docUrl, durationNanos, period] = [0, 0, 0, 0, 0, 0];
    let timeNanos = 0n;

    while (this.at < end) {
      const tag = this.varint(end);
      const field = Math.floor(tag / 8);
      const wireType = tag & 7;
      let ranges: number[] | undefined;
      switch (field) {
        case PROFILE.sampleType:
          ranges = sampleTypeRanges;
          break;
        case PROFILE.sample:
          ranges = sampleRanges;
          break;
        case PROFILE.mapping:
          ranges = mappingRanges;
          break;
        case PROFILE.location:
          ranges = locationRanges;
          break;
        case PROFILE.function:
          ranges = functionRanges;
          break;
        case PROFILE.stringTable:
          ranges = stringRanges;
          break;
        case PROFILE.periodType:
          // A message given twice: the later is kept.
          ranges = periodTypeRange = [];
          break;
        case PROFILE.comment:
          this.numbers(wireType, end, commentIndexes, true, field, 'profile');
          continue;
        case PROFILE.dropFrames:
        case PROFILE.keepFrames:
        case PROFILE.timeNanos:
        case PROFILE.durationNanos:
        case PROFILE.period:
        case PROFILE.defaultSampleType:
        case PROFILE.docUrl: {
          this.expect(wireType, VARINT, field, 'profile');
          if (field === PROFILE.timeNanos) {
            const start = this.at;
            const value = this.varint(end);
            timeNanos = value <= Number.MAX_SAFE_INTEGER ? BigInt(value) : BigInt.asIntN(64, this.wideVarint(start));
            continue;
          }
          const value = this.int64(end);
          if (field === PROFILE.dropFrames) dropFrames = value;
          else if (field === PROFILE.keepFrames) keepFrames = value;
          else if (field === PROFILE.durationNanos) durationNanos = value;
          else if (field === PROFILE.period) period = value;
          else if (field === PROFILE.defaultSampleType) defaultSampleType = value;
          else docUrl = value;
          continue;
        }
        default:
          this.skip(wireType, field, end);
          continue;
      }
      this.expect(wireType, LENGTH, field, 'profile');
      const recordEnd = this.lengthEnd(end);
      ranges.push(this.at, recordEnd);
      this.at = recordEnd;
    }

    this.strings = readStrings(bytes, stringRanges);
    if (this.strings.length === 0 || this.strings[0] !== '') throw notPprof('its string table does not start with ""');
    if (sampleTypeRanges.length === 0) throw notPprof('it has no sample types');
    const sampleTypes: ValueType[] = [];
    for (let i = 0; i < sampleTypeRanges.length; i += 2) {
      const type = this.valueType(sampleTypeRanges[i]!, sampleTypeRanges[i + 1]!);
      if (!type) throw notPprof('a sample type names a string that does not exist');
      sampleTypes.push(type);
    }

    // Id 0 stands for none (a location's mapping_id 0: no mapping), so no record may have it, and
    // an id given to two records of a kind names neither for sure: go tool pprof refuses both, and
    // so do we. Every record is kept in order, as -raw lists them.
    const mappingList: Mapping[] = [];
    const mappings = new Map<number, Mapping>();
    for (let i = 0; i < mappingRanges.length; i += 2) {
      const mapping = this.mapping(mappingRanges[i]!, mappingRanges[i + 1]!);
      if (mapping.id === 0) throw notPprof('a mapping has the id 0, which pprof reserves');
      if (mappings.has(mapping.id)) throw duplicateId('mapping', mapping.id);
      mappingList.push(mapping);
      mappings.set(mapping.id, mapping);
    }
    const functionList: ProfileFunction[] = [];
    let unnamed: ProfileFunction | undefined;
    for (let i = 0; i < functionRanges.length; i += 2) {
      const fn = this.function(functionRanges[i]!, functionRanges[i + 1]!);
      if (fn.id === 0) throw notPprof('a function has the id 0, which pprof reserves');
      if (!this.named) unnamed ??= fn;
      functionList.push(fn);
    }
    const functionOf = byId(functionList, 'function');
    const locationList: Location[] = [];
    let missingFunction: string | undefined;
    for (let i = 0; i < locationRanges.length; i += 2) {
      const location = this.location(locationRanges[i]!, locationRanges[i + 1]!, mappings, functionOf);
      if (location.id === 0) throw notPprof('a location has the id 0, which pprof reserves');
      const missing = this.missingFunction;
      if (missing !== undefined) missingFunction ??= `location ${location.id} refers to function ${missing}, which does not exist`;
      locationList.push(location);
    }
    if (unnamed) throw notPprof(`function ${unnamed.id} names a string that does not exist`);
    if (missingFunction) throw notPprof(missingFunction);
    const locationOf = byId(locationList, 'location');
    const samples: Sample[] = new Array(sampleRanges.length / 2);
    for (let i = 0; i < sampleRanges.length; i += 2) samples[i / 2] = this.sample(sampleRanges[i]!, sampleRanges[i + 1]!, sampleTypes.length, locationOf);

    return {
      sampleTypes,
      samples,
      mappings: mappingList,
      locations: locationList,
      functions: functionList,
      dropFrames: this.str(dropFrames),
      keepFrames: this.str(keepFrames),
      timeNanos,
      durationNanos,
      periodType: periodTypeRange ? this.valueType(periodTypeRange[0]!, periodTypeRange[1]!) : undefined,
      period,
      comments: commentIndexes.map((index) => this.str(index)),
      defaultSampleType: this.str(defaultSampleType),
      docUrl: this.str(docUrl),
    };
  }

  /** A ValueType, or undefined when it names a string the table does not have. */
  private valueType(start: number, end: number): ValueType | undefined {
    this.at = start;
    let [type, unit] = [0, 0];
    while (this.at < end) {
      const tag = this.varint(end);
      const field = Math.floor(tag / 8);
      const wireType = tag & 7;
      if (field === 1 || field === 2) {
        this.expect(wireType, VARINT, field, 'value type');
        if (field === 1) type = this.int64(end);
        else unit = this.int64(end);
      } else this.skip(wireType, field, end);
    }
    const [name, unitName] = [this.text(type), this.text(unit)];
    return name === undefined || unitName === undefined ? undefined : { type: name, unit: unitName };
  }

  private mapping(start: number, end: number): Mapping {
    this.at = start;
    const mapping = emptyMapping(0);
    while (this.at < end) {
      const tag = this.varint(end);
      const field = Math.floor(tag / 8);
      const wireType = tag & 7;
      if (field < 1 || field > 10) {
        this.skip(wireType, field, end);
        continue;
      }
      this.expect(wireType, VARINT, field, 'mapping');
      switch (field) {
        case 1:
          mapping.id = this.id(end);
          break;
        case 2:
          mapping.memoryStart = this.uint64(end);
          break;
        case 3:
          mapping.memoryLimit = this.uint64(end);
          break;
        case 4:
          mapping.fileOffset = this.uint64(end);
          break;
        case 5:
          mapping.filename = this.str(this.int64(end));
          break;
        case 6:
          mapping.buildId = this.str(this.int64(end));
          break;
        case 7:
          mapping.hasFunctions = this.varint(end) !== 0;
          break;
        case 8:
          mapping.hasFilenames = this.varint(end) !== 0;
          break;
        case 9:
          mapping.hasLineNumbers = this.varint(end) !== 0;
          break;
        default:
          mapping.hasInlineFrames = this.varint(end) !== 0;
      }
    }
    return mapping;
  }

  /** A function; `named` tells after whether its name and file name are strings the table has. */
  private function(start: number, end: number): ProfileFunction {
    this.at = start;
    let id = 0;
    let name = 0;
    let systemName = 0;
    let filename = 0;
    let startLine = 0;
    while (this.at < end) {
      const tag = this.varint(end);
      const field = Math.floor(tag / 8);
      const wireType = tag & 7;
      if (field < 1 || field > 5) {
        this.skip(wireType, field, end);
        continue;
      }
      this.expect(wireType, VARINT, field, 'function');
      if (field === 1) id = this.id(end);
      else if (field === 2) name = this.int64(end);
      else if (field === 3) systemName = this.int64(end);
      else if (field === 4) filename = this.int64(end);
      else startLine = this.int64(end);
    }
    const nameText = this.text(name);
    const filenameText = this.text(filename);
    this.named = nameText !== undefined && filenameText !== undefined;
    return { id, name: nameText ?? '', systemName: this.str(systemName), filename: filenameText ?? '', startLine };
  }

  /** A location; `missingFunction` tells after the id of the first function it names that does not exist. */
  private location(start: number, end: number, mappings: Map<number, Mapping>, functionOf: (id: number) => ProfileFunction | undefined): Location {
    this.at = start;
    const location: Location = { id: 0, mapping: undefined, address: 0n, lines: [], isFolded: false };
    let missing: number | undefined;
    while (this.at < end) {
      const tag = this.varint(end);
      const field = Math.floor(tag / 8);
      const wireType = tag & 7;
      if (field === 4) {
        this.expect(wireType, LENGTH, field, 'location');
        const lineEnd = this.lengthEnd(end);
        // Plain lets, not a destructured array: cold code (every start) pays for each array.
        let functionId = 0;
        let line = 0;
        let column = 0;
        while (this.at < lineEnd) {
          const lineTag = this.varint(lineEnd);
          const lineField = Math.floor(lineTag / 8);
          if (lineField < 1 || lineField > 3) {
            this.skip(lineTag & 7, lineField, lineEnd);
            continue;
          }
          this.expect(lineTag & 7, VARINT, lineField, 'line');
          if (lineField === 1) functionId = this.id(lineEnd);
          else if (lineField === 2) line = this.int64(lineEnd);
          else column = this.int64(lineEnd);
        }
        const fn = functionOf(functionId);
        if (fn) location.lines.push({ function: fn, line, column } satisfies Line);
        else missing ??= functionId;
        continue;
      }
      if (field < 1 || field > 5) {
        this.skip(wireType, field, end);
        continue;
      }
      this.expect(wireType, VARINT, field, 'location');
      if (field === 1) location.id = this.id(end);
      else if (field === 2) location.mapping = mappings.get(this.id(end));
      else if (field === 3) location.address = this.uint64(end);
      else location.isFolded = this.varint(end) !== 0;
    }
    this.missingFunction = missing;
    return location;
  }

  private sample(start: number, end: number, valueCount: number, locationOf: (id: number) => Location | undefined): Sample {
    this.at = start;
    const bytes = this.bytes;
    const locations: Location[] = [];
    const values: number[] = [];
    const labels: Label[] = [];
    let missing: number | undefined;
    while (this.at < end) {
      const tag = this.varint(end);
      const field = Math.floor(tag / 8);
      const wireType = tag & 7;
      if (field === 1) {
        if (wireType === LENGTH) {
          // Packed, as Go writes them: the common case, read with the one-byte varints inline.
          const packedEnd = this.lengthEnd(end);
          while (this.at < packedEnd) {
            const byte = bytes[this.at]!;
            let locationId: number;
            if (byte < 0x80) {
              this.at++;
              locationId = byte;
            } else locationId = this.id(packedEnd);
            const location = locationOf(locationId);
            if (location) locations.push(location);
            else missing ??= locationId;
          }
        } else {
          this.expect(wireType, VARINT, field, 'sample');
          const locationId = this.id(end);
          const location = locationOf(locationId);
          if (location) locations.push(location);
          else missing ??= locationId;
        }
      } else if (field === 2) this.numbers(wireType, end, values, true, field, 'sample');
      else if (field === 3) {
        this.expect(wireType, LENGTH, field, 'sample');
        const label = this.label(this.lengthEnd(end));
        if (label) labels.push(label);
      } else this.skip(wireType, field, end);
    }
    if (values.length !== valueCount) throw notPprof(`a sample has ${values.length} values for ${valueCount} sample types`);
    if (missing !== undefined) throw notPprof(`a sample refers to location ${missing}, which does not exist`);
    return { locations, values, labels };
  }

  /** A label; none for one that holds neither a string, nor a number, nor a unit, which go tool pprof drops too. */
  private label(end: number): Label | undefined {
    let key = 0;
    let str = 0;
    let num = 0;
    let numUnit = 0;
    while (this.at < end) {
      const tag = this.varint(end);
      const field = Math.floor(tag / 8);
      const wireType = tag & 7;
      if (field < 1 || field > 4) {
        this.skip(wireType, field, end);
        continue;
      }
      this.expect(wireType, VARINT, field, 'label');
      const value = this.int64(end);
      if (field === 1) key = value;
      else if (field === 2) str = value;
      else if (field === 3) num = value;
      else numUnit = value;
    }
    if (str === 0 && num === 0 && numUnit === 0) return undefined;
    return { key: this.str(key), str: this.str(str), num, numUnit: this.str(numUnit) };
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The string table's strings, each decoded once from its bytes. Strings in a profile are bytes,
 * mostly UTF-8; go tool pprof keeps them, printing and writing them as they came. So a string
 * that is not UTF-8 keeps its UTF-8 runs as text, and each byte outside them as one lone
 * surrogate, U+DC80 to U+DCFF, which no UTF-8 decodes to; codec.ts's `textBytes` turns them back
 * into those bytes.
 */
function readStrings(bytes: Uint8Array, ranges: readonly number[]): string[] {
  const strings: string[] = new Array(ranges.length / 2);
  for (let i = 0; i < ranges.length; i += 2) {
    const start = ranges[i]!;
    const end = ranges[i + 1]!;
    let ascii = true;
    for (let at = start; at < end; at++) {
      if (bytes[at]! >= 0x80) {
        ascii = false;
        break;
      }
    }
    // A short ASCII string is quicker built here than through TextDecoder.
    if (ascii && end - start <= 64) {
      let text = '';
      for (let at = start; at < end; at++) text += String.fromCharCode(bytes[at]!);
      strings[i / 2] = text;
      continue;
    }
    const slice = bytes.subarray(start, end);
    try {
      strings[i / 2] = utf8.decode(slice);
    } catch {
      strings[i / 2] = decodeKeepingBytes(slice);
    }
  }
  return strings;
}

function decodeKeepingBytes(bytes: Uint8Array): string {
  let text = '';
  let run = 0;
  for (let at = 0; at < bytes.length; ) {
    const size = utf8SequenceLength(bytes, at);
    if (size > 0) {
      at += size;
      continue;
    }
    text += utf8.decode(bytes.subarray(run, at)) + String.fromCharCode(0xdc00 + bytes[at]!);
    run = ++at;
  }
  return text + utf8.decode(bytes.subarray(run));
}

/** The length of the well-formed UTF-8 sequence at `at` (Unicode's table 3-7), or 0. */
function utf8SequenceLength(bytes: Uint8Array, at: number): number {
  const first = bytes[at]!;
  if (first < 0x80) return 1;
  const continues = (offset: number, low = 0x80, high = 0xbf) => {
    const byte = bytes[at + offset];
    return byte !== undefined && byte >= low && byte <= high;
  };
  if (first >= 0xc2 && first <= 0xdf) return continues(1) ? 2 : 0;
  if (first >= 0xe0 && first <= 0xef) {
    const [low, high] = first === 0xe0 ? [0xa0, 0xbf] : first === 0xed ? [0x80, 0x9f] : [0x80, 0xbf];
    return continues(1, low, high) && continues(2) ? 3 : 0;
  }
  if (first >= 0xf0 && first <= 0xf4) {
    const [low, high] = first === 0xf0 ? [0x90, 0xbf] : first === 0xf4 ? [0x80, 0x8f] : [0x80, 0xbf];
    return continues(1, low, high) && continues(2) && continues(3) ? 4 : 0;
  }
  return 0;
}

const duplicateId = (kind: string, id: number) => notPprof(`two ${kind}s have the id ${id}`);

/**
 * Records by id, refusing an id two records of the `kind` share: an array where the ids are
 * small, as they nearly always are, for a Map costs several times as much per lookup and every
 * frame of every sample is looked up; else a Map.
 */
function byId<T extends { id: number }>(records: readonly T[], kind: string): (id: number) => T | undefined {
  let maxId = 0;
  for (const record of records) maxId = Math.max(maxId, record.id);
  if (maxId <= 4 * records.length + 1024) {
    const array: (T | undefined)[] = new Array(maxId + 1).fill(undefined);
    for (const record of records) {
      if (!Number.isSafeInteger(record.id)) continue;
      if (array[record.id] !== undefined) throw duplicateId(kind, record.id);
      array[record.id] = record;
    }
    return (id) => (Number.isSafeInteger(id) ? array[id] : undefined);
  }
  const map = new Map<number, T>();
  for (const record of records) {
    if (map.has(record.id)) throw duplicateId(kind, record.id);
    map.set(record.id, record);
  }
  return (id) => map.get(id);
}
