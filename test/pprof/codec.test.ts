import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/pprof/codec.ts';
import {
  MAX_PROFILE_BYTES,
  ProfileBuilder,
  ProfileFormatError,
  decodeProfile,
  emptyMapping,
  emptyProfile,
  encodeProfile,
  textBytes,
  writeProfile,
  type Location,
  type Mapping,
  type Profile,
  type ProfileFunction,
} from '../../src/pprof/index.ts';
import { cpuShapedBuilder, stacks } from '../helpers/profile.ts';

/** A start time past 2^53 nanoseconds, as every real one is: exact as a double (a multiple of 256). */
const TIME_NANOS = 1_763_700_000_123_456_768n;
const leaf = { name: 'leaf', file: '/app/work.ts', line: 7, functionLine: 5 };
const main = { name: 'main', file: '/app/main.ts', line: 20, functionLine: 18 };

function sampleProfile() {
  const builder = cpuShapedBuilder({ timeNanos: Number(TIME_NANOS), comments: ['made by a test'] });
  builder.addSample([leaf, main], [1, 10_000_000]);
  builder.addSample([main], [2, 20_000_000], { state: 'running' });
  builder.addSample([leaf, main], [3, 30_000_000]);
  return builder.build();
}

describe('ProfileBuilder', () => {
  it('interns: ids start at 1, one function and location per frame, every location in the one mapping', () => {
    const profile = sampleProfile();
    expect(profile.functions.map((f) => f.id)).toEqual([1, 2]);
    expect(profile.locations.map((l) => l.id)).toEqual([1, 2]);
    expect(profile.mappings.map((m) => m.id)).toEqual([1]);
    expect(profile.locations.every((l) => l.mapping === profile.mappings[0])).toBe(true);
    // Samples share the records they refer to.
    expect(profile.samples[0]!.locations[1]).toBe(profile.samples[1]!.locations[0]);
  });

  it('folds samples with the same stack and labels, keeps those with other labels apart', () => {
    const profile = sampleProfile();
    expect(stacks(profile)).toEqual([
      { frames: ['leaf /app/work.ts:7', 'main /app/main.ts:20'], values: [4, 40_000_000] },
      { frames: ['main /app/main.ts:20'], values: [2, 20_000_000] },
    ]);
    expect(profile.samples[1]!.labels).toEqual([{ key: 'state', str: 'running', num: 0, numUnit: '' }]);
  });

  it('rejects a sample whose values do not match the sample types', () => {
    const builder = new ProfileBuilder({ sampleTypes: [{ type: 'samples', unit: 'count' }] });
    expect(() => builder.addSample([leaf], [1, 2])).toThrow('sample has 2 values, the profile has 1 sample types');
  });
});

describe('encode and decode', () => {
  it('round-trips through gzip with every field intact, numbers as numbers and epoch nanoseconds exact', () => {
    const bytes = encodeProfile(sampleProfile());
    expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);
    const decoded = decodeProfile(bytes);
    expect(stacks(decoded)).toEqual(stacks(sampleProfile()));
    // Past 2^53, so a bigint: the very nanoseconds written (here those of the double the test wrote).
    expect(decoded.timeNanos).toBe(TIME_NANOS);
    expect(decoded.durationNanos).toBe(2_000_000_000);
    expect(decoded.period).toBe(10_000_000);
    expect(decoded.comments).toEqual(['made by a test']);
    expect(decoded.functions.map((f) => f.startLine)).toEqual([5, 18]);
  });

  it("reads int64 fields back signed: a diff profile's negative values, a duration of -1", () => {
    const builder = new ProfileBuilder({ sampleTypes: [{ type: 'cpu', unit: 'nanoseconds' }], durationNanos: -1 });
    builder.addSample([leaf], [-5000], { delta: { num: -3, unit: 'count' } });
    const decoded = decodeProfile(encodeProfile(builder.build()));
    expect(decoded.samples[0]!.values).toEqual([-5000]);
    expect(decoded.samples[0]!.labels[0]!.num).toBe(-3);
    expect(decoded.durationNanos).toBe(-1);
  });

  it('refuses a gzip bomb without unpacking it all: by default past 512 MiB', () => {
    expect(MAX_PROFILE_BYTES).toBe(512 * 2 ** 20);
    const bomb = gzipSync(Buffer.alloc(64 * 1024));
    expect(() => decodeProfile(bomb, { maxBytes: 4096 })).toThrow('the profile unpacks to more than 4096 bytes, more than any real profile: not read');
    expect(() => decodeProfile(encodeProfile(sampleProfile()), { maxBytes: 4096 })).not.toThrow();
  });

  it('resolves references once: a sample holds its locations, a location its mapping and lines, a line its function', () => {
    const decoded = decodeProfile(encodeProfile(sampleProfile()));
    const [leafSample, mainSample] = decoded.samples;
    expect(leafSample!.locations.map((location) => location.lines[0]!.function.name)).toEqual(['leaf', 'main']);
    // One record each, shared by every sample that refers to it, as the wire format's ids say.
    expect(leafSample!.locations[1]).toBe(mainSample!.locations[0]);
    expect(leafSample!.locations[0]!.lines[0]!.function).toBe(decoded.functions[0]);
    expect(leafSample!.locations[0]!.mapping).toBe(decoded.mappings[0]);
    expect(mainSample!.labels).toEqual([{ key: 'state', str: 'running', num: 0, numUnit: '' }]);
  });

  it('keeps every field through encode and decode: 64-bit addresses, inlined lines, columns, flags and the header', () => {
    const fn = (id: number, name: string): ProfileFunction => ({ id, name, systemName: `sys_${name}`, filename: `/src/${name}.go`, startLine: id * 10 });
    const [inner, outer] = [fn(1, 'inner'), fn(2, 'outer')];
    const mapping: Mapping = {
      id: 7,
      memoryStart: 0xffff_8000_0000_1000n,
      memoryLimit: 0xffff_8000_00ff_f000n,
      fileOffset: 0x2000n,
      filename: '/usr/bin/app',
      buildId: 'abc123',
      hasFunctions: true,
      hasFilenames: false,
      hasLineNumbers: true,
      hasInlineFrames: true,
    };
    const location: Location = {
      id: 3,
      mapping,
      address: 0xffff_8000_0000_1234n,
      lines: [
        { function: inner, line: 12, column: 5 },
        { function: outer, line: 40, column: 0 },
      ],
      isFolded: true,
    };
    const profile: Profile = {
      ...emptyProfile([{ type: 'contentions', unit: 'count' }]),
      samples: [{ locations: [location], values: [-3], labels: [{ key: 'bytes', str: '', num: 4096, numUnit: 'bytes' }] }],
      mappings: [mapping],
      locations: [location],
      functions: [inner, outer],
      dropFrames: 'runtime\\..*',
      keepFrames: 'main',
      timeNanos: TIME_NANOS,
      durationNanos: 5,
      periodType: { type: 'contentions', unit: 'count' },
      period: 100,
      comments: ['one', 'two'],
      defaultSampleType: 'contentions',
      docUrl: 'https://example.com/doc',
    };
    expect(decodeProfile(encodeProfile(profile))).toEqual(profile);
  });

  it('refuses a profile whose records refer to records it does not have, naming them', () => {
    const profile = sampleProfile();
    profile.functions = profile.functions.slice(1);
    expect(() => decodeProfile(encodeProfile(profile))).toThrow('not a pprof profile: location 1 refers to function 1, which does not exist');
    const withoutLocation = sampleProfile();
    withoutLocation.locations = withoutLocation.locations.slice(0, 1);
    expect(() => decodeProfile(encodeProfile(withoutLocation))).toThrow('not a pprof profile: a sample refers to location 2, which does not exist');
  });

  it('reads raw (ungzipped) protobuf too', () => {
    expect(stacks(decodeProfile(gunzipSync(encodeProfile(sampleProfile()))))).toEqual(stacks(sampleProfile()));
  });

  it.each([
    ['truncated gzip', () => encodeProfile(sampleProfile()).subarray(0, 40), 'the gzip data is damaged or truncated'],
    ['an empty file', () => new Uint8Array(), 'the profile is empty'],
    ['text', () => Buffer.from('this is not a profile at all\n'), 'not a pprof'],
    ['gzipped JSON', () => gzipSync('{"nodes": []}'), 'not a pprof'],
  ])('rejects %s with a clear message', (_, bytes, message) => {
    expect(() => decodeProfile(bytes())).toThrow(ProfileFormatError);
    expect(() => decodeProfile(bytes())).toThrow(message);
  });
});

describe('writeProfile', () => {
  it('writes the whole profile and leaves no temporary file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'write-'));
    const path = join(dir, 'cpu.pb.gz');
    writeProfile(path, sampleProfile());
    expect(stacks(decodeProfile(readFileSync(path)))).toEqual(stacks(sampleProfile()));
    expect(readdirSync(dir)).toEqual(['cpu.pb.gz']);
  });

  it('keeps the old file and leaves nothing behind when it cannot write', () => {
    const dir = mkdtempSync(join(tmpdir(), 'write-'));
    const path = join(dir, 'cpu.pb.gz');
    writeFileSync(path, 'old');
    expect(() => writeProfile(join(dir, 'missing', 'cpu.pb.gz'), sampleProfile())).toThrow(/cannot write .*missing\/cpu\.pb\.gz/);
    expect(readdirSync(dir)).toEqual(['cpu.pb.gz']);
    expect(readFileSync(path, 'utf8')).toBe('old');
  });

  it('removes the temporary files that writers killed mid-write left beside the target, and only those', () => {
    const dir = mkdtempSync(join(tmpdir(), 'write-'));
    const path = join(dir, 'cpu.pb.gz');
    const gone = spawnSync(process.execPath, ['-e', '']).pid!;
    const abandoned = `.cpu.pb.gz.${gone}.1700000000000.tmp`;
    const live = `.cpu.pb.gz.${process.ppid}.1700000000000.tmp`;
    const otherTarget = `.heap.pb.gz.${gone}.1700000000000.tmp`;
    const notOurs = '.cpu.pb.gz.notes.tmp';
    for (const name of [abandoned, live, otherTarget, notOurs]) writeFileSync(join(dir, name), 'partial');
    writeProfile(path, sampleProfile());
    expect(readdirSync(dir).sort()).toEqual([live, notOurs, otherTarget, 'cpu.pb.gz'].sort());
  });

  it('leaves no temporary file behind once a writer killed with SIGKILL while writing is followed by another write', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'write-'));
    const path = join(dir, 'big.bin');
    // Writes 32 MiB again and again, so the kill most likely lands mid-write.
    const writer = spawn(
      process.execPath,
      [
        '--import',
        import.meta.resolve('tsx'),
        '-e',
        `import { writeFileAtomic } from ${JSON.stringify(new URL('../../src/pprof/codec.ts', import.meta.url).href)}; const bytes = Buffer.alloc(32 << 20, 7); for (;;) writeFileAtomic(${JSON.stringify(path)}, bytes);`,
      ],
      { stdio: 'ignore' },
    );
    while (!existsSync(path)) await new Promise((resolve) => setTimeout(resolve, 50));
    writer.kill('SIGKILL');
    await new Promise((resolve) => writer.on('exit', resolve));
    writeFileAtomic(path, Buffer.from('whole'));
    expect(readdirSync(dir)).toEqual(['big.bin']);
    expect(readFileSync(path, 'utf8')).toBe('whole');
  });
});

describe('strings that are not UTF-8', () => {
  // A Go CPU profile whose label city is "caf" and the byte 0xE9 (test/fixtures/pprof/README.md).
  const real = readFileSync(new URL('../fixtures/pprof/go/generics.pb.gz', import.meta.url));
  const city = (bytes: Uint8Array) => decodeProfile(bytes).samples[0]!.labels.find((label) => label.key === 'city')!.str;

  it('are read keeping their bytes, printed as those bytes and written back as them', () => {
    expect(textBytes(city(real))).toEqual(Buffer.from([0x63, 0x61, 0x66, 0xe9]));
    expect(textBytes(city(encodeProfile(decodeProfile(real))))).toEqual(Buffer.from([0x63, 0x61, 0x66, 0xe9]));
  });

  it('leave UTF-8, U+FFFD itself and characters past U+FFFF as they are', () => {
    const text = `é ${String.fromCharCode(0xfffd)} ${String.fromCodePoint(0x10080)}`;
    expect(textBytes(text)).toEqual(Buffer.from(text));
    const builder = new ProfileBuilder({ sampleTypes: [{ type: 'samples', unit: 'count' }] });
    builder.addSample([{ name: text, file: 'x.js', line: 1 }], [1]);
    expect(decodeProfile(encodeProfile(builder.build())).functions[0]!.name).toBe(text);
  });
});

describe('records pprof-format measures as no bytes', () => {
  it('are written whole: a sample type of empty strings, an empty period type', () => {
    const profile = { ...emptyProfile([{ type: '', unit: '' }]), periodType: { type: '', unit: '' }, period: 524_288 };
    profile.samples.push({ locations: [], values: [7], labels: [] });
    const read = decodeProfile(encodeProfile(profile));
    expect(read.sampleTypes).toEqual([{ type: '', unit: '' }]);
    expect(read.samples.map((sample) => sample.values)).toEqual([[7]]);
    // Left out, as go tool pprof leaves it out; the period after it is kept.
    expect(read.periodType).toBeUndefined();
    expect(read.period).toBe(524_288);
  });

  it('nested in others (a label of nothing, a line of function 0 at line 0) are written whole, and what follows them read right', () => {
    const builder = new ProfileBuilder({ sampleTypes: [{ type: 'samples', unit: 'count' }] });
    builder.addSample([leaf, main], [1]);
    builder.addSample([main], [3], { city: 'Oslo' });
    const profile = builder.build();
    profile.samples[0]!.labels.push({ key: '', str: '', num: 0, numUnit: '' }, { key: 'kept', str: 'yes', num: 0, numUnit: '' });
    profile.comments.push('after');
    const read = decodeProfile(encodeProfile(profile));
    // A label of no string, number or unit is dropped on reading, as go tool pprof drops it.
    expect(read.samples.map((sample) => sample.labels.map((label) => `${label.key}=${label.str}`))).toEqual([['kept=yes'], ['city=Oslo']]);
    expect(read.samples.map((sample) => sample.values)).toEqual([[1], [3]]);
    expect(read.comments).toEqual(['after']);
    // A line naming function 0: read as what it is, not as bytes out of place.
    profile.locations[0]!.lines.push({ function: { id: 0, name: '', systemName: '', filename: '', startLine: 0 }, line: 0, column: 0 });
    expect(() => decodeProfile(encodeProfile(profile))).toThrow(
      new ProfileFormatError(`not a pprof profile: location ${profile.locations[0]!.id} refers to function 0, which does not exist`),
    );
  });

  it('with the id 0, which pprof reserves, are refused on reading, as go tool pprof refuses them', () => {
    const profile = emptyProfile([{ type: 'samples', unit: 'count' }]);
    profile.mappings.push(emptyMapping(0));
    expect(() => decodeProfile(encodeProfile(profile))).toThrow(new ProfileFormatError('not a pprof profile: a mapping has the id 0, which pprof reserves'));
  });

  it.each(['mappings', 'functions', 'locations'] as const)('%s two of which share an id are refused on reading, naming the kind and the id', (kind) => {
    const builder = new ProfileBuilder({ sampleTypes: [{ type: 'samples', unit: 'count' }] });
    builder.addSample([leaf, main], [1]);
    const profile = builder.build();
    const records: { id: number }[] = profile[kind];
    // A second record with the first one's id (a mapping: a copy of it; else the second record renumbered).
    if (kind === 'mappings') profile.mappings.push({ ...profile.mappings[0]! });
    else records[1]!.id = records[0]!.id;
    expect(() => decodeProfile(encodeProfile(profile))).toThrow(new ProfileFormatError(`not a pprof profile: two ${kind} have the id ${records[0]!.id}`));
  });
});
