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
import { ProfileFormatError } from './format-error.ts';
import { decodeLegacyProfile } from './legacy.ts';
import type { Profile, ValueType } from './model.ts';
import { readProfileWire } from './wire-reader.ts';

export { ProfileFormatError };

/**
 * pprof-format measures a nested record whose fields are all 0 (a label of empty strings, a line
 * of function 0 at line 0) as no bytes, yet writes it as two (its tag and a length of 0): the
 * record holding it would say it is shorter than it is, and every record after it would be read
 * wrong. These count the two bytes, so that the length written is the length of what follows.
 */
class WireSampleCounted extends WireSample {
  override get length(): number {
    return super.length + 2 * this.label.filter((label) => label.length === 0).length;
  }
}
class WireLocationCounted extends WireLocation {
  override get length(): number {
    return super.length + 2 * this.line.filter((line) => line.length === 0).length;
  }
}

/** Serialises a profile as pprof expects it on disk and on the wire: gzipped protobuf. */
export function encodeProfile(profile: Profile): Buffer {
  const wire = toWire(profile);
  // pprof-format measures an empty record (a mapping whose fields are all 0) as no bytes and
  // writes two: it would cut the profile's end off, or throw. Room for those, and what was written.
  const records = wire.sampleType.length + wire.sample.length + wire.mapping.length + wire.location.length + wire.function.length;
  const buffer = new Uint8Array(wire.length + 2 * records);
  return gzipSync(buffer.subarray(0, wire._encodeToBuffer(buffer, 0)));
}

const isGzip = (bytes: Uint8Array) => bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;

/**
 * The most a gzipped profile may unpack to. A real profile of 200,000 samples unpacks to tens
 * of megabytes; a few megabytes of gzip can unpack to gigabytes (a "gzip bomb"), which would
 * take minutes and all memory to decode.
 */
export const MAX_PROFILE_BYTES = 512 * 2 ** 20;

/**
 * The bytes of a profile file, gunzipped if they are gzip, refused past `maxBytes` unpacked: what
 * every reader of profile files (pprof's, and Node's JSON ones) reads them through.
 */
export function unpacked(bytes: Uint8Array, maxBytes = MAX_PROFILE_BYTES): Uint8Array {
  if (!isGzip(bytes)) {
    if (bytes.length > maxBytes) throw new ProfileFormatError(`the profile is more than ${sizeText(maxBytes)}, more than any real profile: not read`);
    return bytes;
  }
  try {
    return gunzipSync(bytes, { maxOutputLength: maxBytes });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new ProfileFormatError(`the profile unpacks to more than ${sizeText(maxBytes)}, more than any real profile: not read`);
    }
    throw new ProfileFormatError(`the gzip data is damaged or truncated (${(error as Error).message})`);
  }
}

/**
 * Reads gzipped or raw pprof protobuf into the resolved model (model.ts), or, as go tool pprof
 * does when the bytes are no protobuf, one of the legacy formats (legacy.ts).
 */
export function decodeProfile(bytes: Uint8Array, options: { maxBytes?: number } = {}): Profile {
  const raw = unpacked(bytes, options.maxBytes);
  if (raw.length === 0) throw new ProfileFormatError('the profile is empty');
  try {
    return readProfileWire(raw);
  } catch (error) {
    // Text and the binary CPU format decode as no valid protobuf; what they are not either, the
    // protobuf's own complaint says best.
    if (!(error instanceof ProfileFormatError)) throw error;
    const legacy = decodeLegacyProfile(raw);
    if (legacy) return legacy;
    throw error;
  }
}

/** A byte a profile's string held that is not UTF-8, as decodeProfile keeps it: a lone surrogate. */
// Built from a string: written as a literal, a lone surrogate would not survive bundling as UTF-8.
const KEPT_BYTE = /[\udc80-\udcff]/gu;

/**
 * Text as the bytes to print or write: UTF-8, except that the bytes of a profile's strings that
 * were not UTF-8 are those bytes again, as go tool pprof prints them.
 */
export function textBytes(text: string): Buffer {
  if (!text.match(KEPT_BYTE)) return Buffer.from(text);
  const parts: Buffer[] = [];
  let start = 0;
  for (const match of text.matchAll(KEPT_BYTE)) {
    parts.push(Buffer.from(text.slice(start, match.index)), Buffer.of(text.charCodeAt(match.index) - 0xdc00));
    start = match.index + 1;
  }
  parts.push(Buffer.from(text.slice(start)));
  return Buffer.concat(parts);
}

/** A string pprof-format's string table would not write as its bytes: one with kept bytes, or with U+FFFD. */
const NOT_PLAIN = /[\ufffd\udc80-\udcff]/u;

/** The wire form of a profile: strings interned in a table (string 0 is ""), references as ids. */
function toWire(profile: Profile): WireProfile {
  const strings = new StringTable();
  // pprof-format writes a string as UTF-8; one holding kept bytes is added as its bytes instead.
  // Those are looked up here, as the table's own index would file them under their U+FFFD form.
  const byBytes = new Map<string, number>();
  const index = (text: string) => {
    if (!NOT_PLAIN.test(text)) return strings.dedup(text);
    let at = byBytes.get(text);
    if (at === undefined) {
      strings._decodeString(textBytes(text));
      at = strings.strings.length - 1;
      byBytes.set(text, at);
    }
    return at;
  };
  const valueType = (type: ValueType) => new WireValueType({ type: index(type.type), unit: index(type.unit) });
  // Written in the order a reader meets them, so a profile's strings read front to back.
  const sampleType = profile.sampleTypes.map(valueType);
  const sample = profile.samples.map(
    (s) =>
      new WireSampleCounted({
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
      new WireLocationCounted({
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
    // An empty one is left out, as Go leaves it out: pprof-format would measure its message as no
    // bytes, write two, and cut the profile's end off.
    periodType: profile.periodType && (profile.periodType.type !== '' || profile.periodType.unit !== '') ? valueType(profile.periodType) : undefined,
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
