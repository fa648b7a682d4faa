import { describe, expect, it } from 'vitest';
import { decodeProfile, ProfileFormatError, textBytes } from '../../src/pprof/index.ts';

/** Protobuf written by hand, field by field, so each encoding a writer may choose is covered. */
const varint = (value: number | bigint): number[] => {
  let rest = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  for (; rest >= 0x80n; rest >>= 7n) out.push(Number(rest & 0x7fn) | 0x80);
  return [...out, Number(rest)];
};
const tag = (field: number, wireType: number) => varint(field * 8 + wireType);
const number = (field: number, value: number | bigint) => [...tag(field, 0), ...varint(value)];
const message = (field: number, content: number[]) => [...tag(field, 2), ...varint(content.length), ...content];
const numbers = (field: number, values: (number | bigint)[], packed: boolean) =>
  packed ? message(field, values.flatMap(varint)) : values.flatMap((value) => number(field, value));

/** Fields of every wire type profile.proto does not declare, which a reader must step over. */
const UNKNOWN = [...number(19, 7), ...tag(20, 5), 1, 2, 3, 4, ...tag(21, 1), 1, 2, 3, 4, 5, 6, 7, 8, ...message(22, [1, 2, 3]), ...number(1000, 1)];

const STRINGS: (string | number[])[] = [
  '',
  'samples',
  'count',
  'cpu',
  'nanoseconds',
  'main',
  '/app/main.ts',
  'leaf',
  'state',
  'running',
  [0x66, 0xff, 0x6f],
  'a comment',
];

/** A profile of two samples, its repeated numbers packed (as Go writes them) or one field each, the string table last. */
function handMade(packed: boolean): Uint8Array {
  const profile = [
    ...message(1, [...number(1, 1), ...number(2, 2)]),
    ...message(1, [...number(1, 3), ...UNKNOWN, ...number(2, 4)]),
    ...message(2, [...numbers(1, [2, 1], packed), ...numbers(2, [3, -5], packed), ...message(3, [...number(1, 8), ...number(2, 9), ...UNKNOWN])]),
    ...message(2, [...UNKNOWN, ...numbers(1, [300], packed), ...numbers(2, [1, 2n ** 40n], packed)]),
    ...message(3, [...number(1, 1), ...number(2, 0x7f0000000000), ...number(3, 2n ** 64n - 1n), ...number(5, 10), ...number(7, 1), ...UNKNOWN]),
    ...message(4, [...number(1, 1), ...number(2, 1), ...number(3, 0x7f0000001000), ...message(4, [...number(1, 1), ...number(2, 20), ...UNKNOWN])]),
    ...message(4, [...number(1, 2), ...message(4, [...number(1, 2), ...number(2, 7), ...number(3, 3)]), ...UNKNOWN]),
    ...message(4, [...number(1, 300), ...message(4, [...number(1, 2), ...number(2, 9)]), ...message(4, [...number(1, 1), ...number(2, 21)])]),
    ...message(5, [...number(1, 1), ...number(2, 5), ...number(4, 6), ...number(5, 18)]),
    ...message(5, [...UNKNOWN, ...number(1, 2), ...number(2, 7), ...number(4, 6), ...number(5, -3)]),
    ...UNKNOWN,
    ...number(9, 1_763_700_000_123_456_768n),
    ...number(10, -1),
    ...message(11, [...number(1, 3), ...number(2, 4)]),
    ...number(12, 10_000_000),
    ...numbers(13, [11, 11], packed),
    ...number(14, 3),
    ...STRINGS.flatMap((text) => message(6, typeof text === 'string' ? [...Buffer.from(text)] : text)),
  ];
  return Uint8Array.from(profile);
}

describe('decodeProfile on protobuf written by hand', () => {
  it.each([
    ['packed', true],
    ['unpacked', false],
  ])('reads repeated numbers %s and steps over unknown fields', (_, packed) => {
    const profile = decodeProfile(handMade(packed));
    expect(profile.sampleTypes).toEqual([
      { type: 'samples', unit: 'count' },
      { type: 'cpu', unit: 'nanoseconds' },
    ]);
    const frames = (locations: { lines: { function: { name: string }; line: number }[] }[]) =>
      locations.map((location) => location.lines.map((line) => `${line.function.name}:${line.line}`).join(' '));
    expect(profile.samples.map((sample) => frames(sample.locations))).toEqual([['leaf:7', 'main:20'], ['leaf:9 main:21']]);
    expect(profile.samples.map((sample) => sample.values)).toEqual([
      [3, -5],
      [1, 2 ** 40],
    ]);
    expect(profile.samples[0]!.labels).toEqual([{ key: 'state', str: 'running', num: 0, numUnit: '' }]);
    expect(profile.mappings).toEqual([
      {
        id: 1,
        memoryStart: 0x7f0000000000n,
        memoryLimit: 2n ** 64n - 1n,
        fileOffset: 0n,
        filename: profile.mappings[0]!.filename,
        buildId: '',
        hasFunctions: true,
        hasFilenames: false,
        hasLineNumbers: false,
        hasInlineFrames: false,
      },
    ]);
    // The string that is not UTF-8 keeps its bytes.
    expect([...textBytes(profile.mappings[0]!.filename)]).toEqual([0x66, 0xff, 0x6f]);
    expect(profile.locations.map((location) => [location.id, location.mapping?.id, location.address])).toEqual([
      [1, 1, 0x7f0000001000n],
      [2, undefined, 0n],
      [300, undefined, 0n],
    ]);
    expect(profile.locations[1]!.lines[0]!.column).toBe(3);
    expect(profile.functions.map((fn) => [fn.id, fn.name, fn.filename, fn.startLine])).toEqual([
      [1, 'main', '/app/main.ts', 18],
      [2, 'leaf', '/app/main.ts', -3],
    ]);
    expect(profile.timeNanos).toBe(1_763_700_000_123_456_768n);
    expect(profile.durationNanos).toBe(-1);
    expect(profile.periodType).toEqual({ type: 'cpu', unit: 'nanoseconds' });
    expect(profile.period).toBe(10_000_000);
    expect(profile.comments).toEqual(['a comment', 'a comment']);
    expect(profile.defaultSampleType).toBe('cpu');
  });

  it.each([
    ['a record cut short', () => handMade(true).subarray(0, 20), 'runs past the end'],
    ['a group, which profile.proto has none of', () => Uint8Array.from([...handMade(true), ...tag(30, 3)]), 'field 30 is a group start'],
    [
      'a number where a record belongs',
      () => Uint8Array.from([...number(2, 5), ...handMade(true)]),
      'field 2 of a profile is a varint, not length-delimited bytes',
    ],
  ])('refuses %s', (_, bytes, message) => {
    expect(() => decodeProfile(bytes())).toThrow(ProfileFormatError);
    expect(() => decodeProfile(bytes())).toThrow(`not a pprof protobuf (`);
    expect(() => decodeProfile(bytes())).toThrow(message);
  });
});
