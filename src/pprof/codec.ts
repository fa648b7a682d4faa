import { closeSync, fsyncSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';

/** Raised for bytes that are not a readable pprof profile; the message says what was wrong. */
export class ProfileFormatError extends Error {
  override name = 'ProfileFormatError';
}

/** Serialises a profile as pprof expects it on disk and on the wire: gzipped protobuf. */
export function encodeProfile(profile: Profile): Buffer {
  return gzipSync(profile.encode());
}

const isGzip = (bytes: Uint8Array) => bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;

/**
 * The most a gzipped profile may unpack to. A real profile of 200,000 samples unpacks to tens
 * of megabytes; a few megabytes of gzip can unpack to gigabytes (a "gzip bomb"), which would
 * take minutes and all memory to decode.
 */
export const MAX_PROFILE_BYTES = 512 * 2 ** 20;

/**
 * Reads gzipped or raw pprof protobuf. pprof-format hands back bigint for varints above 2^53
 * and number otherwise; every numeric field comes back as a number here, so reports can do
 * arithmetic without caring, except timeNanos: epoch nanoseconds exceed 2^53, and a bigint
 * keeps them to the nanosecond, as `-raw` prints them.
 */
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
  let profile: Profile;
  try {
    profile = Profile.decode(raw);
  } catch (error) {
    throw new ProfileFormatError(`not a pprof protobuf (${(error as Error).message})`);
  }
  normaliseNumbers(profile);
  validate(profile);
  return profile;
}

/**
 * pprof-format reads every varint as unsigned: a negative int64 (a diff profile's values, a
 * duration of -1) arrives as a bigint of 2^64 minus its size. The fields profile.proto declares
 * int64 are read back as signed; ids and addresses are uint64.
 */
const signed = (value: unknown): number => (typeof value === 'bigint' ? Number(BigInt.asIntN(64, value)) : Number(value));
const unsigned = Number;

function normaliseNumbers(profile: Profile): void {
  const n = signed;
  const u = unsigned;
  for (const t of profile.sampleType) Object.assign(t, { type: n(t.type), unit: n(t.unit) });
  if (profile.periodType) Object.assign(profile.periodType, { type: n(profile.periodType.type), unit: n(profile.periodType.unit) });
  for (const s of profile.sample) {
    s.locationId = s.locationId.map(u);
    s.value = s.value.map(n);
    for (const l of s.label) Object.assign(l, { key: n(l.key), str: n(l.str), num: n(l.num), numUnit: n(l.numUnit) });
  }
  for (const m of profile.mapping) {
    Object.assign(m, {
      id: u(m.id),
      memoryStart: u(m.memoryStart),
      memoryLimit: u(m.memoryLimit),
      fileOffset: u(m.fileOffset),
      filename: n(m.filename),
      buildId: n(m.buildId),
    });
  }
  for (const loc of profile.location) {
    Object.assign(loc, { id: u(loc.id), mappingId: u(loc.mappingId), address: u(loc.address) });
    for (const line of loc.line) Object.assign(line, { functionId: u(line.functionId), line: n(line.line), column: n(line.column) });
  }
  for (const f of profile.function) {
    Object.assign(f, { id: u(f.id), name: n(f.name), systemName: n(f.systemName), filename: n(f.filename), startLine: n(f.startLine) });
  }
  const timeNanos = typeof profile.timeNanos === 'bigint' ? BigInt.asIntN(64, profile.timeNanos) : profile.timeNanos;
  Object.assign(profile, {
    dropFrames: n(profile.dropFrames),
    keepFrames: n(profile.keepFrames),
    timeNanos: typeof timeNanos === 'bigint' && !Number.isSafeInteger(Number(timeNanos)) ? timeNanos : n(timeNanos),
    durationNanos: n(profile.durationNanos),
    period: n(profile.period),
    comment: profile.comment.map(n),
    defaultSampleType: n(profile.defaultSampleType),
    docUrl: n(profile.docUrl),
  });
}

const sizeText = (bytes: number) => (bytes >= 2 ** 20 ? `${bytes / 2 ** 20} MiB` : `${bytes} bytes`);

/** Rejects decodable bytes that still break pprof's rules, which random data often does. */
function validate(profile: Profile): void {
  const strings = profile.stringTable.strings;
  if (strings.length === 0 || strings[0] !== '') throw new ProfileFormatError('not a pprof profile: its string table does not start with ""');
  if (profile.sampleType.length === 0) throw new ProfileFormatError('not a pprof profile: it has no sample types');
  const inTable = (index: unknown) => typeof index === 'number' && index >= 0 && index < strings.length;
  for (const t of profile.sampleType) {
    if (!inTable(t.type) || !inTable(t.unit)) throw new ProfileFormatError('not a pprof profile: a sample type names a string that does not exist');
  }
  const locationIds = new Set(profile.location.map((l) => l.id));
  const functionIds = new Set(profile.function.map((f) => f.id));
  for (const s of profile.sample) {
    if (s.value.length !== profile.sampleType.length) {
      throw new ProfileFormatError(`not a pprof profile: a sample has ${s.value.length} values for ${profile.sampleType.length} sample types`);
    }
    for (const id of s.locationId)
      if (!locationIds.has(id)) throw new ProfileFormatError(`not a pprof profile: a sample refers to location ${id}, which does not exist`);
  }
  for (const loc of profile.location) {
    for (const line of loc.line)
      if (!functionIds.has(line.functionId))
        throw new ProfileFormatError(`not a pprof profile: location ${loc.id} refers to function ${line.functionId}, which does not exist`);
  }
  for (const f of profile.function) {
    if (!inTable(f.name) || !inTable(f.filename)) throw new ProfileFormatError(`not a pprof profile: function ${f.id} names a string that does not exist`);
  }
}

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
