import { ProfileFormatError } from './format-error.ts';
import { emptyMapping, emptyProfile, type Label, type Location, type Mapping, type Profile, type ProfileFunction, type ValueType } from './model.ts';

/**
 * The profile formats that came before pprof's protobuf, read as go tool pprof reads them so that
 * its reports and ours agree: the binary CPU profile of gperftools and of Go before 1.9, the heap
 * text of tcmalloc and of Go's /debug/pprof/heap?debug=1, Go's goroutine and threadcreate counts,
 * mutex and block contention, gperftools' thread dumps, and Java's CPU, heap and contention
 * profiles. Each carries bare addresses and, at its end, the process's memory map, which says
 * which binary each address belongs to (Java's, a symbol table instead). A text that starts as
 * one of them in a variant none of these read is refused by name.
 */

/** A legacy profile as a resolved Profile; undefined when the bytes are none of these formats. */
export function decodeLegacyProfile(bytes: Uint8Array): Profile | undefined {
  // In the order go tool pprof tries them: the first to recognise its header reads the profile.
  for (const parse of [parseCpu, parseHeap, parseCount, parseThreads, parseContention, parseJava, refuseUnread]) {
    const profile = parse(bytes);
    if (profile) return withFramesToDrop(profile);
  }
  return undefined;
}

/**
 * The frames the reports leave out of a legacy profile's stacks, as its drop_frames and
 * keep_frames say it (go tool pprof sets the same): the allocator's in heap profiles, but the Go
 * runtime's where a panic or reflection called, the lock's own in contention profiles, and the
 * CPU profiler's signal handler in the others.
 */
function withFramesToDrop(profile: Profile): Profile {
  const types = profile.sampleTypes.map((type) => type.type).join(',');
  if (HEAP_SAMPLE_TYPES.includes(types)) [profile.dropFrames, profile.keepFrames] = [ALLOCATOR_FRAMES, ALLOCATOR_FRAMES_KEPT];
  else if (types === 'contentions,delay') [profile.dropFrames, profile.keepFrames] = [LOCK_FRAMES, ''];
  else [profile.dropFrames, profile.keepFrames] = [CPU_PROFILER_FRAMES, ''];
  return profile;
}

const HEAP_SAMPLE_TYPES = [
  'allocations,size',
  'objects,space',
  'inuse_objects,inuse_space',
  'alloc_objects,alloc_space',
  'alloc_objects,alloc_space,inuse_objects,inuse_space',
];
const ALLOCATOR_FRAMES = [
  // C's allocator, tcmalloc's, macOS's
  'calloc',
  'cfree',
  'malloc',
  'free',
  'memalign',
  'do_memalign',
  '(__)?posix_memalign',
  'pvalloc',
  'valloc',
  'realloc',
  'tcmalloc::.*',
  'tc_calloc',
  'tc_cfree',
  'tc_malloc',
  'tc_free',
  'tc_memalign',
  'tc_posix_memalign',
  'tc_pvalloc',
  'tc_valloc',
  'tc_realloc',
  'tc_new',
  'tc_delete',
  'tc_newarray',
  'tc_deletearray',
  'tc_new_nothrow',
  'tc_newarray_nothrow',
  'malloc_zone_malloc',
  'malloc_zone_calloc',
  'malloc_zone_valloc',
  'malloc_zone_realloc',
  'malloc_zone_memalign',
  'malloc_zone_free',
  // Go's runtime
  'runtime\\..*',
  // C++'s and others'
  'BaseArena::.*',
  '(::)?do_malloc_no_errno',
  '(::)?do_malloc_pages',
  '(::)?do_malloc',
  'DoSampledAllocation',
  'MallocedMemBlock::MallocedMemBlock',
  '_M_allocate',
  '__builtin_(vec_)?delete',
  '__builtin_(vec_)?new',
  '__gnu_cxx::new_allocator::allocate',
  '__libc_malloc',
  '__malloc_alloc_template::allocate',
  'allocate',
  'cpp_alloc',
  'operator new(\\[\\])?',
  'simple_alloc::allocate',
].join('|');
const ALLOCATOR_FRAMES_KEPT = ['runtime\\.panic', 'runtime\\.reflectcall', 'runtime\\.call[0-9]*'].join('|');
const CPU_PROFILER_FRAMES = ['ProfileData::Add', 'ProfileData::prof_handler', 'CpuProfiler::prof_handler', '__pthread_sighandler', '__restore'].join('|');
const LOCK_FRAMES = [
  'RecordLockProfileData',
  '(base::)?RecordLockProfileData.*',
  '(base::)?SubmitMutexProfileData.*',
  '(base::)?SubmitSpinLockProfileData.*',
  '(base::Mutex::)?AwaitCommon.*',
  '(base::Mutex::)?Unlock.*',
  '(base::Mutex::)?UnlockSlow.*',
  '(base::Mutex::)?ReaderUnlock.*',
  '(base::MutexLock::)?~MutexLock.*',
  '(Mutex::)?AwaitCommon.*',
  '(Mutex::)?Unlock.*',
  '(Mutex::)?UnlockSlow.*',
  '(Mutex::)?ReaderUnlock.*',
  '(MutexLock::)?~MutexLock.*',
  '(SpinLock::)?Unlock.*',
  '(SpinLock::)?SlowUnlock.*',
  '(SpinLockHolder::)?~SpinLockHolder.*',
].join('|');

/** A profile under construction: locations are found by address, mappings come last. */
interface Draft {
  profile: Profile;
  locationsByAddress: Map<bigint, Location>;
}

const U64 = (value: bigint) => BigInt.asUintN(64, value);

function draft(sampleTypes: ValueType[], periodType: ValueType, period: number): Draft {
  const profile = emptyProfile(sampleTypes);
  profile.periodType = periodType;
  profile.period = period;
  return { profile, locationsByAddress: new Map() };
}

/** The one location of an address, made on first use. */
function locationAt(target: Draft, address: bigint): Location {
  let location = target.locationsByAddress.get(address);
  if (!location) {
    location = { id: 0, mapping: undefined, address, lines: [], isFolded: false };
    target.locationsByAddress.set(address, location);
    target.profile.locations.push(location);
  }
  return location;
}

/**
 * A stack's locations. Addresses in a stack are return addresses, one past the call; one less
 * lands on the call itself. The leaf, where a CPU sample stopped, is no call and stays as is
 * when `keepLeaf`.
 */
function stackOf(target: Draft, addresses: readonly bigint[], keepLeaf: boolean): Location[] {
  return addresses.map((address, i) => locationAt(target, keepLeaf && i === 0 ? address : U64(address - 1n)));
}

const numberLabel = (key: string, num: number): Label => ({ key, str: '', num, numUnit: '' });

/** Text read line by line: `text` is the current line without its end, '' once past the last. */
class LineReader {
  private readonly lines: string[];
  private next = 0;
  text = '';

  constructor(bytes: Uint8Array | string) {
    const whole = typeof bytes === 'string' ? bytes : new TextDecoder().decode(bytes);
    this.lines = whole.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
    // A final newline ends the last line; it does not start another.
    if (whole.endsWith('\n') || whole === '') this.lines.pop();
  }

  scan(): boolean {
    if (this.next >= this.lines.length) {
      this.text = '';
      return false;
    }
    this.text = this.lines[this.next++]!;
    return true;
  }
}

const isBlankOrComment = (line: string) => {
  const trimmed = line.trim();
  return trimmed === '' || trimmed.startsWith('#');
};

/** The header lines of the memory map that follows a text profile's samples. */
const isMemoryMapStart = (line: string) => line.includes('--- Memory map: ---') || line.includes('MAPPED_LIBRARIES:');

const hexAddresses = (text: string): bigint[] =>
  [...text.matchAll(/0x[0-9a-f]+/g)].map(([digits]) => {
    const address = BigInt(digits);
    if (address >= 2n ** 64n) throw new ProfileFormatError(`legacy profile: ${digits} is no 64-bit address`);
    return address;
  });

// ---------------------------------------------------------------------------------------------
// The binary CPU profile: words of the writer's size and byte order. A header of five words
// (0, 3, 0 for native code or 1 for Java, the sampling period in microseconds, 0); then per stack
// its count, its depth and its addresses, leaf first; a stack (0, 1, 0) ends them. What follows
// is the text of /proc/self/maps.

type WordReader = { size: 4 | 8; littleEndian: boolean };
const WORD_FORMATS: WordReader[] = [
  { size: 4, littleEndian: true },
  { size: 4, littleEndian: false },
  { size: 8, littleEndian: true },
  { size: 8, littleEndian: false },
];

class Words {
  private readonly view: DataView;
  offset: number;
  /** Set once a read ran past the end. */
  exhausted = false;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly format: WordReader,
    offset = 0,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.offset = offset;
  }

  get remaining(): number {
    return this.exhausted ? 0 : this.bytes.length - this.offset;
  }

  read(): bigint {
    const { size, littleEndian } = this.format;
    if (this.exhausted || this.offset + size > this.bytes.length) {
      this.exhausted = true;
      return 0n;
    }
    const word = size === 4 ? BigInt(this.view.getUint32(this.offset, littleEndian)) : this.view.getBigUint64(this.offset, littleEndian);
    this.offset += size;
    return word;
  }

  rest(): Uint8Array {
    return this.exhausted ? new Uint8Array(0) : this.bytes.subarray(this.offset);
  }
}

function parseCpu(bytes: Uint8Array): Profile | undefined {
  for (const format of WORD_FORMATS) {
    const words = new Words(bytes, format);
    const header = [words.read(), words.read(), words.read(), words.read(), words.read()];
    if (words.exhausted) continue;
    const [zero, three, language, periodMicros, padding] = header;
    if (zero !== 0n || three !== 3n || periodMicros === 0n || padding !== 0n) continue;
    if (language === 0n) return cpuProfile(words, Number(periodMicros) * 1000);
    if (language === 1n) return javaCpuProfile(words, Number(periodMicros) * 1000);
  }
  return undefined;
}

function cpuProfile(words: Words, periodNanos: number): Profile {
  const target = draft(
    [
      { type: 'samples', unit: 'count' },
      { type: 'cpu', unit: 'nanoseconds' },
    ],
    { type: 'cpu', unit: 'nanoseconds' },
    periodNanos,
  );
  const { samples } = target.profile;
  while (words.remaining > 0) {
    const count = words.read();
    const depth = words.read();
    // A depth the rest of the file cannot hold is no CPU profile (the same test go tool pprof makes).
    if (words.exhausted || depth > BigInt(Math.floor(words.remaining / 4))) {
      throw new ProfileFormatError('legacy CPU profile: a stack is longer than the rest of the file');
    }
    const addresses: bigint[] = [];
    for (let i = 0n; i < depth; i++) addresses.push(words.read());
    if (count === 0n && depth === 1n && addresses[0] === 0n) break;
    samples.push({ locations: stackOf(target, addresses, true), values: [Number(count), Number(count) * periodNanos], labels: [] });
  }
  dropSignalHandlerFrames(samples);
  readMemoryMap(target, new LineReader(words.rest()));
  dropRepeatedLeaves(samples);
  return target.profile;
}

/**
 * A frame second from the leaf that (nearly) every sample shares is the signal handler's, pushed
 * by the profiler itself: removed, up to twice. "Nearly": one sample in 32 may differ.
 */
function dropSignalHandlerFrames(samples: Profile['samples']): void {
  const allowedOthers = Math.floor(samples.length / 32);
  for (let round = 0; round < 2; round++) {
    const counts = new Map<bigint, number>();
    for (const sample of samples) {
      if (sample.locations.length > 1) {
        const address = sample.locations[1]!.address;
        counts.set(address, (counts.get(address) ?? 0) + 1);
      }
    }
    // At most one address can reach the threshold, so the first found is the one.
    for (const [address, count] of counts) {
      if (count < samples.length - allowedOthers) continue;
      for (const sample of samples) {
        if (sample.locations.length > 1 && sample.locations[1]!.address === address) sample.locations.splice(1, 1);
      }
      break;
    }
  }
}

/**
 * The profiler may record the leaf twice, from the signal's context and from unwinding; the
 * unwound copy was taken one back as a call's. Such a second frame goes.
 */
function dropRepeatedLeaves(samples: Profile['samples']): void {
  for (const sample of samples) {
    const [leaf, next] = sample.locations;
    if (leaf && next && leaf.address === U64(next.address + 1n)) sample.locations.splice(1, 1);
  }
}

// ---------------------------------------------------------------------------------------------
// Heap text: `heap profile: INUSE_OBJECTS: INUSE_BYTES [ALLOC_OBJECTS: ALLOC_BYTES] @ FORMAT/RATE`,
// then one line per stack in the same shape with its addresses after `@`, then the memory map.
// Go writes `heap/RATE` with twice its sampling rate, and sampled (not scaled) counts.

const HEAP_HEADER = /heap profile: *(\d+): *(\d+) *\[ *(\d+): *(\d+) *\] *@ *(heap[_a-z0-9]*)\/?(\d*)/;
const UNSAMPLED_HEAP_HEADER = /heap profile: *(\d+): *(\d+) *\[ *(\d+): *(\d+) *\] @ (?:growthz?|fragmentationz?)/;
const HEAP_SAMPLE = /(-?\d+): *(-?\d+) *\[ *(\d+): *(\d+) *] @([ x0-9a-f]*)/;

function parseHeap(bytes: Uint8Array): Profile | undefined {
  const lines = new LineReader(bytes);
  if (!lines.scan()) return undefined;
  const header = HEAP_HEADER.exec(lines.text);
  let poisson = false;
  let rate = 1;
  let withAllocations = false;
  if (header) {
    const [, inuseObjects, inuseBytes, allocObjects, allocBytes, format, rateText] = header as unknown as string[];
    const headerRate = rateText ? Number(rateText) : 0;
    // Different totals in brackets mean the profile also counts what was freed since.
    withAllocations = (allocObjects !== inuseObjects && allocObjects !== '0') || (allocBytes !== inuseBytes && allocBytes !== '0');
    if (format === 'heapz_v2' || format === 'heap_v2') [poisson, rate] = [true, headerRate];
    else if (format === 'heap') [poisson, rate] = [true, Math.trunc(headerRate / 2)];
    else if (format === 'heapprofile') rate = 1;
    else return undefined;
  } else if (!UNSAMPLED_HEAP_HEADER.test(lines.text)) return undefined;

  const sampleTypes = withAllocations
    ? // Allocations first, so that the last type, the one reports show by default, is inuse_space.
      ['alloc_objects/count', 'alloc_space/bytes', 'inuse_objects/count', 'inuse_space/bytes']
    : ['objects/count', 'space/bytes'];
  const target = draft(
    sampleTypes.map((text) => ({ type: text.split('/')[0]!, unit: text.split('/')[1]! })),
    { type: 'space', unit: 'bytes' },
    rate,
  );
  while (lines.scan()) {
    const line = lines.text.trim();
    if (isBlankOrComment(line)) continue;
    if (isMemoryMapStart(line)) break;
    const match = HEAP_SAMPLE.exec(line);
    if (!match) throw new ProfileFormatError(`legacy heap profile: "${line}" is no "OBJECTS: BYTES [OBJECTS: BYTES] @ addresses" line`);
    const [, inuseObjects, inuseBytes, allocObjects, allocBytes, addresses] = match as unknown as string[];
    const values: number[] = [];
    let blockSize = 0;
    const add = (objectsText: string, bytesText: string, what: string) => {
      let [objects, size] = [Number(objectsText), Number(bytesText)];
      if (objects === 0 && size !== 0) throw new ProfileFormatError(`legacy heap profile: "${line}" has ${size} ${what} bytes in 0 objects`);
      if (objects !== 0) {
        blockSize = Math.trunc(size / objects);
        if (poisson) [objects, size] = unsampled(objects, size, rate);
      }
      values.push(objects, size);
    };
    if (withAllocations) add(allocObjects!, allocBytes!, 'allocated');
    add(inuseObjects!, inuseBytes!, 'in-use');
    target.profile.samples.push({ locations: stackOf(target, hexAddresses(addresses!), false), values, labels: [numberLabel('bytes', blockSize)] });
  }
  readMemoryMapAfterSamples(target, lines);
  return target.profile;
}

/**
 * What a stack's sampled objects and bytes stand for. A heap sampler that takes an allocation of
 * `size` bytes with probability 1 - e^(-size/rate) is undone by dividing by that probability,
 * taking the stack's average object size. A rate of 1 (every allocation) or less (unknown) leaves
 * the values as they are.
 */
function unsampled(objects: number, bytes: number, rate: number): [number, number] {
  if (objects === 0 || bytes === 0) return [0, 0];
  if (rate <= 1) return [objects, bytes];
  const scale = 1 / (1 - Math.exp(-(bytes / objects) / rate));
  return [Math.trunc(objects * scale), Math.trunc(bytes * scale)];
}

// ---------------------------------------------------------------------------------------------
// Go's count profiles (goroutine, threadcreate at debug=1): `NAME profile: total N`, then
// `COUNT @ 0xADDRESS ...` per stack, each followed by `#` lines naming the frames.

function parseCount(bytes: Uint8Array): Profile | undefined {
  const lines = new LineReader(bytes);
  while (lines.scan() && isBlankOrComment(lines.text));
  const header = /^(\S+) profile: total \d+$/.exec(lines.text);
  if (!header) return undefined;
  const kind = header[1]!;
  const target = draft([{ type: kind, unit: 'count' }], { type: kind, unit: 'count' }, 1);
  while (lines.scan()) {
    const line = lines.text;
    if (isBlankOrComment(line)) continue;
    if (line.startsWith('---')) break;
    const match = /^(\d+) @((?: 0x[0-9a-f]+)+)$/.exec(line);
    if (!match) throw new ProfileFormatError(`legacy ${kind} profile: "${line}" is no "COUNT @ 0xADDRESS ..." line`);
    target.profile.samples.push({ locations: stackOf(target, hexAddresses(match[2]!), false), values: [Number(match[1])], labels: [] });
  }
  readMemoryMapAfterSamples(target, lines);
  return target.profile;
}

// ---------------------------------------------------------------------------------------------
// Contention (Go's mutex and block profiles at debug=1, and gperftools'): a `--- mutex:`,
// `--- contention:` or `--- contentionz ` line, `key = value` settings, then
// `CYCLES COUNT @ 0xADDRESS ...` per stack. Cycles become nanoseconds through the clock rate, and
// both values are multiplied by the sampling period.

function parseContention(bytes: Uint8Array): Profile | undefined {
  const lines = new LineReader(bytes);
  if (!lines.scan()) return undefined;
  if (!['--- contentionz ', '--- mutex:', '--- contention:'].some((start) => lines.text.startsWith(start))) return undefined;
  const target = draft(
    [
      { type: 'contentions', unit: 'count' },
      { type: 'delay', unit: 'nanoseconds' },
    ],
    { type: 'contentions', unit: 'count' },
    1,
  );
  let cyclesPerSecond = 0;
  const integer = (text: string) =>
    /^[-+]?(?:0x[0-9a-f]+|0[0-7]*|[1-9]\d*)$/i.test(text) ? Number(BigInt.asIntN(64, BigInt(text.replace(/^\+/, '')))) : undefined;
  while (lines.scan()) {
    const line = lines.text.trim();
    if (isBlankOrComment(line)) continue;
    if (line.startsWith('---')) break;
    const equals = line.indexOf('=');
    if (equals < 0) break;
    const [key, value] = [line.slice(0, equals).trim(), line.slice(equals + 1).trim()];
    const number = integer(value);
    if (key === 'discarded samples') continue;
    // Java's contention profile has the same first line, and a format and resolution.
    if (key === 'format' || key === 'resolution') return undefined;
    if (number === undefined || !['cycles/second', 'sampling period', 'ms since reset'].includes(key)) return undefined;
    if (key === 'cycles/second') cyclesPerSecond = number;
    else if (key === 'sampling period') target.profile.period = number;
    else target.profile.durationNanos = number * 1_000_000;
  }
  const period = target.profile.period;
  for (;;) {
    const line = lines.text.trim();
    if (line.startsWith('---')) break;
    if (!isBlankOrComment(line)) {
      const match = /(\d+) *(\d+) @([ x0-9a-f]*)/.exec(line);
      if (!match) return undefined;
      let [cycles, count] = [Number(match[1]), Number(match[2])];
      if (period > 0) {
        if (cyclesPerSecond > 0) cycles = Math.trunc((cycles * period) / (cyclesPerSecond / 1e9));
        count *= period;
      }
      target.profile.samples.push({ locations: stackOf(target, hexAddresses(match[3]!), false), values: [count, cycles], labels: [] });
    }
    if (!lines.scan()) break;
  }
  readMemoryMapAfterSamples(target, lines);
  return target.profile;
}

// ---------------------------------------------------------------------------------------------
// gperftools' thread dumps: `--- Thread ID (name: NAME/N) stack: ---` per thread, then its
// addresses over one or more lines, or a line saying it is the same as the previous thread's.

const THREAD_START = /--- Thread ([0-9A-Fa-f]+) \(name: (.*)\/(\d+)\) stack: ---/;

function parseThreads(bytes: Uint8Array): Profile | undefined {
  const lines = new LineReader(bytes);
  while (lines.scan() && isBlankOrComment(lines.text));
  let line = lines.text;
  if (/--- threadz \d+ ---/.test(line)) {
    while (lines.scan()) {
      line = lines.text;
      if (isMemoryMapStart(line) || line.startsWith('-')) break;
    }
  } else if (!THREAD_START.test(line)) return undefined;

  const target = draft([{ type: 'thread', unit: 'count' }], { type: 'thread', unit: 'count' }, 1);
  const { samples } = target.profile;
  while (!isMemoryMapStart(line)) {
    if (line.startsWith('---- no stack trace for')) break;
    if (!THREAD_START.test(line)) return undefined;
    let sameAsPrevious = false;
    const addresses: bigint[] = [];
    while (lines.scan()) {
      line = lines.text.trim();
      if (line === '') continue;
      if (line.startsWith('---')) break;
      if (line.includes('same as previous thread')) sameAsPrevious = true;
      else addresses.push(...hexAddresses(line));
    }
    if (sameAsPrevious || addresses.length === 0) {
      const previous = samples.at(-1);
      if (previous) previous.values[0]! += 1;
      continue;
    }
    samples.push({ locations: stackOf(target, addresses, true), values: [1], labels: [] });
  }
  readMemoryMapAfterSamples(target, lines);
  dropRepeatedLeaves(samples);
  return target.profile;
}

// ---------------------------------------------------------------------------------------------

// Java's legacy profiles: the binary CPU profile with 1 as its third word, and the texts
// `--- heapz 1 ---` and `--- contentionz 1 ---` with `key = value` settings (format = java), then
// `VALUE COUNT @ 0xID ...` per stack. Either way a symbol table follows: `0xID function (file:line)`.
// Its ids are no addresses, so locations end up known by function and line alone.

function javaCpuProfile(words: Words, periodNanos: number): Profile {
  const target = draft(
    [
      { type: 'samples', unit: 'count' },
      { type: 'cpu', unit: 'nanoseconds' },
    ],
    { type: 'cpu', unit: 'nanoseconds' },
    periodNanos,
  );
  while (words.remaining > 0) {
    const count = words.read();
    const depth = words.read();
    if (words.exhausted || depth > BigInt(Math.floor(words.remaining / 4))) {
      throw new ProfileFormatError('legacy Java CPU profile: a stack is longer than the rest of the file');
    }
    const ids: bigint[] = [];
    for (let i = 0n; i < depth; i++) ids.push(words.read());
    if (count === 0n && depth === 1n && ids[0] === 0n) break;
    target.profile.samples.push({ locations: ids.map((id) => locationAt(target, id)), values: [Number(count), Number(count) * periodNanos], labels: [] });
  }
  readJavaSymbols(target, new TextDecoder().decode(words.rest()).split('\n'));
  return target.profile;
}

/** Java's sampling interval for heapz profiles: 512 KiB. */
const JAVA_HEAP_SAMPLING_BYTES = 524288;

function parseJava(bytes: Uint8Array): Profile | undefined {
  const text = new TextDecoder().decode(bytes);
  const lines = text.split('\n');
  // Only whole lines (ended by a newline) hold settings and samples; the symbols read to the end.
  const whole = lines.length - 1;
  if (whole < 1) return undefined;
  const kind = { '--- heapz 1 ---': 'heap', '--- contentionz 1 ---': 'contention' }[lines[0]!.trim()];
  if (!kind) return undefined;
  const target = draft([], { type: '', unit: '' }, 0);
  const { profile } = target;
  let next = 1;
  for (; next < whole; next++) {
    const line = lines[next]!.trim();
    if (line === '') continue;
    const setting = /([\w ]+)=([\w ]+)/.exec(line);
    if (!setting) break;
    const [key, value] = [setting[1]!.trim(), setting[2]!.trim()];
    if (key === 'format') {
      if (value !== 'java') return undefined;
    } else if (key === 'resolution') {
      profile.sampleTypes =
        kind === 'heap'
          ? [
              { type: 'inuse_objects', unit: 'count' },
              { type: 'inuse_space', unit: value },
            ]
          : [
              { type: 'contentions', unit: 'count' },
              { type: 'delay', unit: value },
            ];
    } else if (kind === 'contention' && key === 'sampling period') {
      profile.periodType = { type: 'contentions', unit: 'count' };
      profile.period = javaInteger(value, line);
    } else if (kind === 'contention' && key === 'ms since reset') {
      profile.durationNanos = javaInteger(value, line) * 1_000_000;
    } else return undefined;
  }
  if (profile.sampleTypes.length === 0) throw new ProfileFormatError(`legacy Java ${kind} profile: no "resolution = UNIT" line says what its values measure`);
  for (; next < whole; next++) {
    const line = lines[next]!.trim();
    if (line === '') continue;
    const sample = / *(\d+) +(\d+) +@ +([ x0-9a-f]*)/.exec(line);
    if (!sample) break;
    let [count, value] = [javaInteger(sample[2]!, line), javaInteger(sample[1]!, line)];
    const labels: Label[] = [];
    if (kind === 'heap') {
      if (count === 0) throw new ProfileFormatError(`legacy Java heap profile: "${line}" counts 0 objects`);
      labels.push(numberLabel('bytes', Math.trunc(value / count)));
      [count, value] = unsampled(count, value, JAVA_HEAP_SAMPLING_BYTES);
    } else if (profile.period !== 0) [count, value] = [count * profile.period, value * profile.period];
    profile.samples.push({ locations: hexAddresses(sample[3]!).map((id) => locationAt(target, id)), values: [count, value], labels });
  }
  readJavaSymbols(target, lines.slice(next));
  return profile;
}

function javaInteger(text: string, line: string): number {
  if (!/^(?:0x[0-9a-f]+|\d+)$/i.test(text)) throw new ProfileFormatError(`legacy Java profile: "${line}" holds no number where one belongs`);
  return Number(text);
}

/**
 * Names each location from the symbol table: `0xID function (file:line)`, `0xID function (path)`,
 * a JIT stub, or a bare name. Functions are one per name.
 */
function readJavaSymbols(target: Draft, lines: readonly string[]): void {
  const functions = new Map<string, ProfileFunction>();
  for (const raw of lines) {
    const line = raw.trim();
    const symbol = /^\s*0x([0-9A-Fa-f]+)\s+(.*)\s*$/.exec(line);
    if (!symbol) continue;
    const location = target.locationsByAddress.get(BigInt(`0x${symbol[1]!}`));
    if (!location) continue;
    const described = symbol[2]!;
    let [name, file, lineNumber] = [described, '', 0];
    const withLine = /^(.*)\s+\((.+):(-?[0-9]+)\)$/.exec(described);
    const withPath = withLine ? null : /^(.*)\s+\((.*)\)$/.exec(described);
    if (withLine) [name, file, lineNumber] = [withLine[1]!, withLine[2]!, Math.max(0, Number(withLine[3]))];
    else if (withPath) [name, file] = [withPath[1]!, baseName(withPath[2]!)];
    else if (described.includes('generated stub/JIT')) name = 'STUB';
    let fn = functions.get(name);
    if (!fn) {
      fn = { id: 0, name, systemName: name, filename: file, startLine: 0 };
      functions.set(name, fn);
    }
    location.lines = [{ function: fn, line: lineNumber, column: 0 }];
  }
  // The ids were no addresses: none is kept.
  for (const location of target.profile.locations) location.address = 0n;
  numberRecords(target.profile);
  const used = new Set<ProfileFunction>();
  for (const location of target.profile.locations) for (const line of location.lines) used.add(line.function);
  target.profile.functions = [...used];
  for (const [i, fn] of target.profile.functions.entries()) fn.id = i + 1;
}

/**
 * The header of a legacy text none of the readers took (`heap profile: ... @ FORMAT`, `--- NAME`)
 * says which format it is: refused by that name rather than as a damaged protobuf.
 */
function refuseUnread(bytes: Uint8Array): undefined {
  const lines = new LineReader(bytes.subarray(0, 200));
  while (lines.scan() && isBlankOrComment(lines.text));
  const heap = /^heap profile:.*@ *([\w.]*)/.exec(lines.text);
  if (heap) throw new ProfileFormatError(`legacy heap profile: not supported (the format "${heap[1]}")`);
  const section = /^--- ?([a-z]+)/.exec(lines.text);
  if (section) throw new ProfileFormatError(`legacy ${section[1]} profile: not supported`);
  return undefined;
}

/** The last element of a slash-separated path, as Go's filepath.Base gives it. */
function baseName(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed === '') return path === '' ? '.' : '/';
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

// ---------------------------------------------------------------------------------------------
// The memory map: lines of /proc/self/maps (`START-LIMIT PERMS OFFSET DEV INODE FILE`) or a
// shorter `START-LIMIT [PERMS] FILE [(@OFFSET)] [BUILDID]`. Only executable mappings matter;
// `name=value` lines define `$name` for the lines after them.

const HEX = '(?:0x)?([0-9A-Fa-f]+)';
const RANGE = `^\\s*${HEX}[\\s-]?\\s*${HEX}:?`;
const PERMISSIONS = '(?:\\s+([-rwxp]+))?';
const PROC_MAPS_LINE = new RegExp(`${RANGE}${PERMISSIONS}(?:\\s+([0-9A-Fa-f]+))?\\s+[0-9A-Fa-f]+:[0-9A-Fa-f]+\\s+[0-9]+(?:\\s+(\\S+))?`);
const BRIEF_MAPS_LINE = new RegExp(`${RANGE}${PERMISSIONS}(?:\\s+(\\S+))?(?:\\s+\\(@([0-9A-Fa-f]+)\\))?(?:\\s+([0-9A-Fa-f]+))?`);
/** A glog prefix, `... file.cc:123] `, before a line. */
const LOG_PREFIX = /^[^[\]]+:[0-9]+]\s/;

/** Reads the map after a text profile's samples, from its header on (skipping what is between). */
function readMemoryMapAfterSamples(target: Draft, lines: LineReader): void {
  while (!isMemoryMapStart(lines.text) && lines.scan());
  readMemoryMap(target, lines);
}

function readMemoryMap(target: Draft, lines: LineReader): void {
  const mappings: Mapping[] = [];
  const variables: [string, string][] = [];
  while (lines.scan()) {
    const line = substitute(lines.text.replace(LOG_PREFIX, ''), variables);
    const entry = mappingEntry(line);
    if (entry === undefined) {
      const equals = line.indexOf('=');
      if (equals >= 0) variables.push([`$${line.slice(0, equals).trim()}`, line.slice(equals + 1).trim()]);
      continue;
    }
    if (entry) mappings.push(entry);
  }
  target.profile.mappings = mergeSplitMappings(mappings);
  numberRecords(target.profile);
}

/** `$name`s replaced by their values, leftmost first, the earliest defined where two start alike. */
function substitute(line: string, variables: readonly [string, string][]): string {
  if (variables.length === 0) return line;
  let result = '';
  for (let i = 0; i < line.length; ) {
    const found = variables.find(([name]) => name !== '' && line.startsWith(name, i));
    if (found) {
      result += found[1];
      i += found[0].length;
    } else result += line[i++];
  }
  return result;
}

/** A mapping, null for a line of a mapping that is not executable, undefined for no mapping line. */
function mappingEntry(line: string): Mapping | null | undefined {
  let start: string | undefined,
    limit: string | undefined,
    permissions: string | undefined,
    offset: string | undefined,
    file: string | undefined,
    buildId: string | undefined;
  const full = PROC_MAPS_LINE.exec(line);
  if (full) [, start, limit, permissions, offset, file] = full as unknown as string[];
  else {
    const brief = BRIEF_MAPS_LINE.exec(line);
    if (!brief) return undefined;
    [, start, limit, permissions, file, offset, buildId] = brief as unknown as string[];
  }
  if (permissions && !permissions.includes('x')) return null;
  const [memoryStart, memoryLimit] = [BigInt(`0x${start!}`), BigInt(`0x${limit!}`)];
  const fileOffset = offset ? BigInt(`0x${offset}`) : 0n;
  if (memoryStart >= 2n ** 64n || memoryLimit >= 2n ** 64n || fileOffset >= 2n ** 64n) return undefined;
  return {
    id: 0,
    memoryStart,
    memoryLimit,
    fileOffset,
    filename: file ?? '',
    buildId: buildId ?? '',
    hasFunctions: false,
    hasFilenames: false,
    hasLineNumbers: false,
    hasInlineFrames: false,
  };
}

/**
 * One mapping of a binary that the map lists in adjacent pieces, and the main binary first: the
 * first named one that is no shared library (`.so`) and no `[vdso]`-like region.
 */
function mergeSplitMappings(pieces: Mapping[]): Mapping[] {
  const mappings: Mapping[] = [];
  for (const piece of pieces) {
    const last = mappings.at(-1);
    if (last && continues(last, piece)) {
      last.memoryLimit = piece.memoryLimit;
      if (piece.filename) last.filename = piece.filename;
      if (piece.buildId) last.buildId = piece.buildId;
    } else mappings.push(piece);
  }
  const main = mappings.findIndex((mapping) => {
    const file = mapping.filename.replaceAll('(deleted)', '').trim();
    return file !== '' && !/\.so$|\.so[._][0-9]+/.test(file) && !file.startsWith('[');
  });
  if (main > 0) [mappings[0], mappings[main]] = [mappings[main]!, mappings[0]!];
  return mappings;
}

/** Whether `next` is the rest of `previous`: the same file and build, adjacent, offsets in step. */
function continues(previous: Mapping, next: Mapping): boolean {
  if (previous.filename && next.filename && previous.filename !== next.filename) return false;
  if (previous.buildId && next.buildId && previous.buildId !== next.buildId) return false;
  if (previous.memoryLimit !== next.memoryStart) return false;
  if (previous.fileOffset !== 0n && next.fileOffset !== 0n) {
    return U64(previous.fileOffset + previous.memoryLimit - previous.memoryStart) === next.fileOffset;
  }
  return true;
}

/**
 * Ids as go tool pprof gives them: locations numbered in the order samples first use them (the
 * others dropped), each address placed in its mapping, and mappings numbered in order.
 */
function numberRecords(profile: Profile): void {
  const used = new Set<Location>();
  for (const sample of profile.samples) for (const location of sample.locations) used.add(location);
  profile.locations = [...used];
  for (const [i, location] of profile.locations.entries()) location.id = i + 1;

  let mappings = profile.mappings;
  // A huge-page region named /anon_hugepage, just before the binary, is the binary's text.
  const [first, second] = mappings;
  if (first && second && first.filename.startsWith('/anon_hugepage') && first.memoryLimit === second.memoryStart) mappings = mappings.slice(1);
  // A main binary that seems to start at its offset past the usual 0x400000 starts there.
  const main = mappings[0];
  if (main && U64(main.memoryStart - main.fileOffset) === 0x400000n) [main.memoryStart, main.fileOffset] = [0x400000n, 0n];

  let unknown: Mapping | undefined;
  for (const location of profile.locations) {
    const address = location.address;
    if (location.mapping || address === 0n) continue;
    location.mapping = mappings.find((mapping) => mapping.memoryStart <= address && address < mapping.memoryLimit);
    if (location.mapping) continue;
    // A map that left out the first piece of a binary still says where it starts, by its offset.
    const extended = mappings.find(
      (mapping) => mapping.fileOffset !== 0n && U64(mapping.memoryStart - mapping.fileOffset) <= address && address < mapping.memoryStart,
    );
    if (extended) {
      extended.memoryStart = U64(extended.memoryStart - extended.fileOffset);
      extended.fileOffset = 0n;
      location.mapping = extended;
      continue;
    }
    // No map (Go's legacy profiles have none): one mapping spanning everything.
    if (!unknown) {
      unknown = { ...emptyMapping(0), memoryLimit: 2n ** 64n - 1n };
      mappings = [...mappings, unknown];
    }
    location.mapping = unknown;
  }
  for (const [i, mapping] of mappings.entries()) mapping.id = i + 1;
  profile.mappings = mappings;
}
