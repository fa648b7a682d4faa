import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ProfileFormatError, decodeProfile } from '../../src/pprof/index.ts';
import { fixture, repoRoot, runPprofCommand } from '../helpers/run.ts';
import { goBinary } from '../helpers/tools.ts';

const go = goBinary();
const legacyFixture = (name: string) => fixture(`pprof/google-pprof/legacy/${name}`);

/**
 * The formats before pprof's protobuf, read by go tool pprof and by ours: google/pprof's own test
 * files, the debug=1 texts Go's runtime writes, and binary CPU profiles in each word size and byte
 * order. Every report is compared whole with Go's.
 */
describe.skipIf(!go)('npm run pprof reads legacy profiles as go tool pprof does', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pprof-legacy-'));
  const file = (name: string) => join(dir, name);

  beforeAll(() => {
    execFileSync(go!, ['run', fixture('go/debug-texts.go'), dir], { cwd: dir, stdio: 'pipe' });
    for (const format of WORD_FORMATS) writeFileSync(file(`cpu-${format.name}.prof`), binaryCpuProfile(format));
  }, 120_000);

  const both = (args: string[]) => {
    const theirs = spawnSync(go!, ['tool', 'pprof', ...args], { cwd: repoRoot, encoding: 'utf8' });
    const ours = runPprofCommand(args);
    return { theirs, ours };
  };

  const fixtures = [
    'go.crc32.cpu',
    'gobench.cpu',
    'cppbench.cpu',
    'gobench.heap',
    'cppbench.heap',
    'cppbench.growth',
    'go.godoc.thread',
    'cppbench.contention',
    'cppbench.thread',
    'cppbench.thread.all',
    'cppbench.thread.none',
  ];
  it.each(fixtures.flatMap((name) => ['-top', '-raw', '-traces'].map((option) => [option, name])))('%s %s (google/pprof)', (option, name) => {
    const { theirs, ours } = both([option, legacyFixture(name)]);
    expect(theirs.status, theirs.stderr).toBe(0);
    expect(ours.status, ours.stderr).toBe(0);
    expect(ours.stdout).toBe(theirs.stdout);
  });

  // Java's: -raw waits for the mapping go tool pprof gives a profile with none (its driver does that, for any profile).
  it.each(['java.cpu', 'java.heap', 'java.contention'].flatMap((name) => ['-top', '-traces', '-top -cum'].map((options) => [options, name])))(
    '%s %s (google/pprof)',
    (options, name) => {
      const { theirs, ours } = both([...options.split(' '), legacyFixture(name)]);
      expect(theirs.status, theirs.stderr).toBe(0);
      expect(ours.status, ours.stderr).toBe(0);
      expect(ours.stdout).toBe(theirs.stdout);
    },
  );

  it.each([
    ['-top', 'heap.txt'],
    ['-raw', 'heap.txt'],
    ['-traces -sample_index=alloc_space', 'heap.txt'],
    ['-top -sample_index=alloc_objects', 'heap.txt'],
    ['-top', 'mutex.txt'],
    ['-raw', 'mutex.txt'],
    ['-traces', 'mutex.txt'],
    ['-top -sample_index=contentions', 'block.txt'],
    ['-raw', 'block.txt'],
    ['-top', 'goroutine.txt'],
    ['-raw', 'goroutine.txt'],
    ...WORD_FORMATS.flatMap(({ name }) => [
      ['-raw', `cpu-${name}.prof`],
      ['-top', `cpu-${name}.prof`],
    ]),
    ['-traces', 'cpu-64-little.prof'],
  ])('%s %s (written here)', (options, name) => {
    const { theirs, ours } = both([...options.split(' '), file(name)]);
    expect(theirs.status, theirs.stderr).toBe(0);
    expect(ours.status, ours.stderr).toBe(0);
    expect(ours.stdout).toBe(theirs.stdout);
  });

  it("refuses what go tool pprof refuses: Go 1.19's threadcreate text, whose stacks are empty", () => {
    const text = readFileSync(file('threadcreate.txt'), 'utf8');
    const { theirs, ours } = both(['-top', file('threadcreate.txt')]);
    if (/^\d+ @$/m.test(text)) {
      expect(theirs.status).not.toBe(0);
      expect(ours.status).not.toBe(0);
      expect(ours.stderr).toContain('legacy threadcreate profile: "');
    } else {
      expect(ours.stdout).toBe(theirs.stdout);
    }
  });
});

describe('malformed legacy profiles', () => {
  it('names the line a malformed text profile breaks at', () => {
    const heap = 'heap profile: 1: 10 [1: 10] @ heap_v2/1\n1: 10 [1: 10] @ 0x10\nnot a sample\n';
    expect(() => decodeProfile(Buffer.from(heap))).toThrow('legacy heap profile: "not a sample" is no "OBJECTS: BYTES [OBJECTS: BYTES] @ addresses" line');
  });

  it.each([
    ['heap profile: 1: 10 [1: 10] @ heapsampled/4\n1: 10 [1: 10] @ 0x10\n', 'legacy heap profile: not supported (the format "heapsampled")'],
    ['--- heapz 1 ---\nformat = cpp\n', 'legacy heapz profile: not supported'],
    ['--- contentionz 1 ---\nformat = cpp\n', 'legacy contentionz profile: not supported'],
  ])('refuses a variant it does not read by name: %j', (text, message) => {
    expect(() => decodeProfile(Buffer.from(text))).toThrow(new ProfileFormatError(message));
  });

  it('keeps the protobuf complaint for bytes that are no legacy profile either', () => {
    expect(() => decodeProfile(Buffer.from('hello, world\n'))).toThrow(ProfileFormatError);
    expect(() => decodeProfile(Buffer.from('hello, world\n'))).not.toThrow(/legacy/);
  });
});

interface WordFormat {
  name: string;
  size: 4 | 8;
  littleEndian: boolean;
}

const WORD_FORMATS: WordFormat[] = [
  { name: '32-little', size: 4, littleEndian: true },
  { name: '32-big', size: 4, littleEndian: false },
  { name: '64-little', size: 8, littleEndian: true },
  { name: '64-big', size: 8, littleEndian: false },
];

/**
 * A gperftools CPU profile: the header (10 ms period), stacks whose second frame is the signal
 * handler's in all but one (so it is dropped), a leaf recorded twice, and a memory map with a
 * binary in two adjacent pieces, a read-only region, a shared library, a glog prefix and a
 * `$name` set by an earlier line.
 */
function binaryCpuProfile({ size, littleEndian }: WordFormat): Buffer {
  const words: bigint[] = [0n, 3n, 0n, 10_000n, 0n];
  const handler = 0x400f00n;
  const stacks: [number, bigint[]][] = [
    [40, [0x401010n, handler, 0x401234n, 0x402000n]],
    [25, [0x401020n, handler, 0x401234n, 0x402000n]],
    [12, [0xb7001100n, handler, 0x401300n, 0x402000n]],
    [9, [0x401010n, handler, 0x401010n, 0x401234n, 0x402000n]],
    [3, [0x401040n, 0x401300n, 0x402000n]],
  ];
  for (let i = 0; i < 40; i++) stacks.push([1, [0x401050n + BigInt(i), handler, 0x402000n]]);
  for (const [count, addresses] of stacks) words.push(BigInt(count), BigInt(addresses.length), ...addresses);
  words.push(0n, 1n, 0n);
  const binary = Buffer.alloc(words.length * size);
  words.forEach((word, i) => {
    if (size === 4) littleEndian ? binary.writeUInt32LE(Number(word), i * 4) : binary.writeUInt32BE(Number(word), i * 4);
    else littleEndian ? binary.writeBigUInt64LE(word, i * 8) : binary.writeBigUInt64BE(word, i * 8);
  });
  const maps = [
    'root=/opt/app',
    '00400000-00401800 r-xp 00000000 08:01 1234 $root/server',
    '00401800-00403000 r-xp 00001800 08:01 1234 $root/server',
    '00603000-00604000 rw-p 00003000 08:01 1234 $root/server',
    'I1206 12:00:00.000000 42 maps.cc:10] b7000000-b7100000 r-xp 00000000 08:01 99 /opt/lib/libwork.so.1',
    '',
  ].join('\n');
  return Buffer.concat([binary, Buffer.from(maps)]);
}
