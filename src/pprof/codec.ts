import { closeSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  Function as WireFunction,
  Label as WireLabel,
  Line as WireLine,
  Location as WireLocation,
  Mapping as WireMapping,
  Profile as WireProfile,
  Sample as WireSample,
  StringTable,
  ValueType as WireValueType,
} from 'pprof-format';
import type { Location, Mapping, Profile, Sample, ValueType } from './model.ts';

/** Raised for bytes that are not a readable pprof profile; the message says what was wrong. */
export class ProfileFormatError extends Error {
  override name = 'ProfileFormatError';
}

/** Serialises a profile as pprof expects it on disk and on the wire: gzipped protobuf. */
export function encodeProfile(profile: Profile): Buffer {
  return gzipSync(toWire(profile).encode());
}

const isGzip = (bytes: Uint8Array) => bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;

/**
 * The most a gzipped profile may unpack to. A real profile of 200,000 samples unpacks to tens
 * of megabytes; a few megabytes of gzip can unpack to gigabytes (a "gzip bomb"), which would
 * take minutes and all memory to decode.
 */
export const MAX_PROFILE_BYTES = 512 * 2 ** 20;

/** Reads gzipped or raw pprof protobuf into the resolved model (model.ts). */
export function decodeProfile(bytes: Uint8Array, options: { maxBytes?: number } = {}): Profile {
  const maxBytes = options.maxBytes ?? MAX_PROFILE_BYTES;
  let raw = bytes;
  if (isGzip(bytes)) {
    try {
      raw = gunzipSync(bytes, { maxOutputLength: maxBytes });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new ProfileFormatError(`the profile unpacks to more than ${sizeText(maxBytes)}, more than any real profile: not read`);
      }
      throw new ProfileFormatError(`the gzip data is damaged or truncated (${(error as Error).message})`);
    }
  }
  if (raw.length === 0) throw new ProfileFormatError('the profile is empty');
  let wire: WireProfile;
  try {
    wire = WireProfile.decode(raw);
  } catch (error) {
    throw new ProfileFormatError(`not a pprof protobuf (${(error as Error).message})`);
  }
  return fromWire(wire);
}

/**
 * pprof-format reads every varint as unsigned, as a number below 2^53 and a bigint above: a
 * negative int64 (a diff profile's values, a duration of -1) arrives as 2^64 minus its size.
 * The fields profile.proto declares int64 are read back signed; ids and addresses are uint64.
 */
const signed = (value: number | bigint): number => (typeof value === 'bigint' ? Number(BigInt.asIntN(64, value)) : value);
const unsigned = (value: number | bigint): bigint => BigInt.asUintN(64, BigInt(value));
const id = (value: number | bigint): number => Number(value);

/**
 * Resolves the wire format's ids and string indexes into references and strings, and rejects
 * decodable bytes that still break pprof's rules, which random data often does.
 */
function fromWire(wire: WireProfile): Profile {
  const strings = wire.stringTable.strings;
  if (strings.length === 0 || strings[0] !== '') throw new ProfileFormatError('not a pprof profile: its string table does not start with ""');
  if (wire.sampleType.length === 0) throw new ProfileFormatError('not a pprof profile: it has no sample types');
  const text = (index: number | bigint): string | undefined => strings[signed(index)];
  const str = (index: number | bigint): string => text(index) ?? '';
  const valueType = (type: WireValueType): ValueType | undefined => {
    const [name, unit] = [text(type.type), text(type.unit)];
    return name === undefined || unit === undefined ? undefined : { type: name, unit };
  };
  const sampleTypes = wire.sampleType.map((type) => {
    const resolved = valueType(type);
    if (!resolved) throw new ProfileFormatError('not a pprof profile: a sample type names a string that does not exist');
    return resolved;
  });

  // Every record is kept in order, as -raw lists them; an id given twice resolves to the later.
  const mappings = new Map<number, Mapping>();
  const mappingList = wire.mapping.map((m) => {
    const mapping: Mapping = {
      id: id(m.id),
      memoryStart: unsigned(m.memoryStart),
      memoryLimit: unsigned(m.memoryLimit),
      fileOffset: unsigned(m.fileOffset),
      filename: str(m.filename),
      buildId: str(m.buildId),
      hasFunctions: m.hasFunctions,
      hasFilenames: m.hasFilenames,
      hasLineNumbers: m.hasLineNumbers,
      hasInlineFrames: m.hasInlineFrames,
    };
    mappings.set(mapping.id, mapping);
    return mapping;
  });
  const functionList = wire.function.map((f) => {
    const [name, filename] = [text(f.name), text(f.filename)];
    if (name === undefined || filename === undefined) throw new ProfileFormatError(`not a pprof profile: function ${f.id} names a string that does not exist`);
    return { id: id(f.id), name, systemName: str(f.systemName), filename, startLine: signed(f.startLine) };
  });
  const functionOf = byId(functionList);
  const locationList = wire.location.map((l) => {
    const location: Location = {
      id: id(l.id),
      mapping: mappings.get(id(l.mappingId)),
      address: unsigned(l.address),
      lines: l.line.map((line) => {
        const fn = functionOf(id(line.functionId));
        if (!fn) throw new ProfileFormatError(`not a pprof profile: location ${l.id} refers to function ${line.functionId}, which does not exist`);
        return { function: fn, line: signed(line.line), column: signed(line.column) };
      }),
      isFolded: l.isFolded,
    };
    return location;
  });
  const locationOf = byId(locationList);
  const samples = wire.sample.map((s): Sample => {
    if (s.value.length !== sampleTypes.length) {
      throw new ProfileFormatError(`not a pprof profile: a sample has ${s.value.length} values for ${sampleTypes.length} sample types`);
    }
    return {
      locations: s.locationId.map((locationId) => {
        const location = locationOf(id(locationId));
        if (!location) throw new ProfileFormatError(`not a pprof profile: a sample refers to location ${locationId}, which does not exist`);
        return location;
      }),
      values: s.value.map(signed),
      labels: s.label.map((label) => ({ key: str(label.key), str: str(label.str), num: signed(label.num), numUnit: str(label.numUnit) })),
    };
  });
  return {
    sampleTypes,
    samples,
    mappings: mappingList,
    locations: locationList,
    functions: functionList,
    dropFrames: str(wire.dropFrames),
    keepFrames: str(wire.keepFrames),
    timeNanos: BigInt.asIntN(64, BigInt(wire.timeNanos)),
    durationNanos: signed(wire.durationNanos),
    periodType: wire.periodType ? valueType(wire.periodType) : undefined,
    period: signed(wire.period),
    comments: wire.comment.map(str),
    defaultSampleType: str(wire.defaultSampleType),
    docUrl: str(wire.docUrl),
  };
}

/**
 * Records by id, the later of two with one id winning: an array where the ids are small, as they
 * nearly always are, for a Map costs several times as much per lookup and every frame of every
 * sample is looked up; else a Map.
 */
function byId<T extends { id: number }>(records: readonly T[]): (id: number) => T | undefined {
  let maxId = 0;
  for (const record of records) maxId = Math.max(maxId, record.id);
  if (maxId <= 4 * records.length + 1024) {
    const array: (T | undefined)[] = new Array(maxId + 1).fill(undefined);
    for (const record of records) if (Number.isSafeInteger(record.id)) array[record.id] = record;
    return (id) => (Number.isSafeInteger(id) ? array[id] : undefined);
  }
  const map = new Map(records.map((record) => [record.id, record]));
  return (id) => map.get(id);
}

/** The wire form of a profile: strings interned in a table (string 0 is ""), references as ids. */
function toWire(profile: Profile): WireProfile {
  const strings = new StringTable();
  const index = (text: string) => strings.dedup(text);
  const valueType = (type: ValueType) => new WireValueType({ type: index(type.type), unit: index(type.unit) });
  // Written in the order a reader meets them, so a profile's strings read front to back.
  const sampleType = profile.sampleTypes.map(valueType);
  const sample = profile.samples.map(
    (s) =>
      new WireSample({
        locationId: s.locations.map((location) => location.id),
        value: s.values,
        label: s.labels.map((label) => new WireLabel({ key: index(label.key), str: index(label.str), num: label.num, numUnit: index(label.numUnit) })),
      }),
  );
  const mapping = profile.mappings.map(
    (m) =>
      new WireMapping({
        id: m.id,
        memoryStart: compact(m.memoryStart),
        memoryLimit: compact(m.memoryLimit),
        fileOffset: compact(m.fileOffset),
        filename: index(m.filename),
        buildId: index(m.buildId),
        hasFunctions: m.hasFunctions,
        hasFilenames: m.hasFilenames,
        hasLineNumbers: m.hasLineNumbers,
        hasInlineFrames: m.hasInlineFrames,
      }),
  );
  const location = profile.locations.map(
    (l) =>
      new WireLocation({
        id: l.id,
        mappingId: l.mapping?.id ?? 0,
        address: compact(l.address),
        line: l.lines.map((line) => new WireLine({ functionId: line.function.id, line: line.line, column: line.column })),
        isFolded: l.isFolded,
      }),
  );
  const fn = profile.functions.map(
    (f) => new WireFunction({ id: f.id, name: index(f.name), systemName: index(f.systemName), filename: index(f.filename), startLine: f.startLine }),
  );
  return new WireProfile({
    sampleType,
    sample,
    mapping,
    location,
    function: fn,
    stringTable: strings,
    dropFrames: index(profile.dropFrames),
    keepFrames: index(profile.keepFrames),
    timeNanos: compact(profile.timeNanos),
    durationNanos: profile.durationNanos,
    periodType: profile.periodType ? valueType(profile.periodType) : undefined,
    period: profile.period,
    comment: profile.comments.map(index),
    defaultSampleType: index(profile.defaultSampleType),
    docUrl: index(profile.docUrl),
  });
}

/** A number where one is exact, as pprof-format writes numbers faster than bigints. */
const compact = (value: bigint): number | bigint =>
  value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;

const sizeText = (bytes: number) => (bytes >= 2 ** 20 ? `${bytes / 2 ** 20} MiB` : `${bytes} bytes`);

/**
 * Writes bytes whole or not at all: into a temporary file beside the target, flushed, then
 * renamed over it, so a reader never sees half a profile and a failure leaves nothing behind.
 * A process killed mid-write (kill -9, a crash) cannot remove its temporary file; the name holds
 * its pid, so the next write to the same target removes those whose process is gone.
 * Synchronous on purpose: it must also work inside process 'exit' handlers.
 */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  removeAbandonedTemporaries(path);
  const temporary = join(dirname(path), `${temporaryPrefix(path)}${process.pid}.${Date.now()}.tmp`);
  try {
    const fd = openSync(temporary, 'w');
    try {
      writeSync(fd, bytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new Error(`cannot write ${path}: ${(error as Error).message}`);
  }
}

/** Hidden, and named after the target, so it is found beside it and no other file matches. */
const temporaryPrefix = (path: string) => `.${basename(path)}.`;

/**
 * Removes the temporary files of earlier writes to `path` whose writer has died. One of a live
 * process (another writer right now, or this one) is left alone, and so is any file whose name
 * is not exactly ours. Best effort: a directory it cannot read leaves the write to say so.
 */
function removeAbandonedTemporaries(path: string): void {
  const prefix = temporaryPrefix(path);
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const match = /^(\d+)\.\d+\.tmp$/.exec(name.slice(prefix.length));
    if (!match || processAlive(Number(match[1]))) continue;
    rmSync(join(dirname(path), name), { force: true });
  }
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is someone else's.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Writes a profile as gzipped pprof, whole or not at all. */
export function writeProfile(path: string, profile: Profile): void {
  writeFileAtomic(path, encodeProfile(profile));
}
