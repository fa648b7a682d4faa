import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSources } from '../../src/cli/pprof-sources.ts';
import { emptyProfile, encodeProfile, type Location, type Mapping, type Profile, type ProfileFunction, type Sample } from '../../src/pprof/index.ts';
import { REPORTS, SUMMING_REPORTS, runReport, type Report, type Settings } from '../../src/report/driver.ts';
import { aloneForSums } from '../../src/report/merge.ts';
import { runPprofCommand } from '../helpers/run.ts';
import { goBinary } from '../helpers/tools.ts';

/**
 * A report of SUMMING_REPORTS reads a single profile unmerged (a quarter of a short run is the
 * merge). These tests hold it to what the merge would have given, on a profile made to show every
 * difference a merge of one profile makes: equal functions and locations under other ids, samples
 * with the same stack and labels, all-zero samples, records no sample reaches, records listed in
 * another order than the samples reach them, inlined frames, addresses in two mappings, ties, a
 * comment repeated.
 */

function lcg(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    return state / 2 ** 32;
  };
}

const mapping = (id: number, filename: string, start: bigint): Mapping => ({
  id,
  memoryStart: start,
  memoryLimit: start + 0x100000n,
  fileOffset: 0n,
  filename,
  buildId: '',
  hasFunctions: true,
  hasFilenames: true,
  hasLineNumbers: true,
  hasInlineFrames: true,
});

function awkwardProfile(mappings: Mapping[] = [mapping(1, '/bin/app', 0x400000n), mapping(2, '/lib/libc.so.6', 0x7f0000000000n)]): Profile {
  const next = lcg(7);
  const profile = emptyProfile([
    { type: 'samples', unit: 'count' },
    { type: 'cpu', unit: 'nanoseconds' },
  ]);
  Object.assign(profile, {
    periodType: { type: 'cpu', unit: 'nanoseconds' },
    period: 10_000_000,
    timeNanos: 1_765_000_000_000_000_000n,
    durationNanos: 2e9,
    // Reports head with the comments; a merge keeps each once.
    comments: ['built to show a merge', 'twice', 'built to show a merge'],
  });
  const files = ['/src/app/main.go', '/src/app/work.go', '/usr/lib/go/src/runtime/proc.go'];
  const functions: ProfileFunction[] = Array.from({ length: 12 }, (_, i) => ({
    id: i + 1,
    name: i === 11 ? '' : `pkg.fn${i % 9}`,
    systemName: `pkg.fn${i % 9}`,
    filename: files[i % files.length]!,
    startLine: 10 * (i % 9),
  }));
  // The same as 3, 4 and 5 under ids of their own.
  for (const copied of [3, 4, 5]) functions.push({ ...functions[copied]!, id: functions.length + 1 });
  const locations: Location[] = [];
  for (let i = 0; i < 40; i++) {
    const map = mappings[i % mappings.length]!;
    const fn = functions[Math.floor(next() * functions.length)]!;
    const inlined = i % 5 === 0 ? [{ function: functions[(i * 7) % functions.length]!, line: 3 + (i % 4), column: 0 }] : [];
    locations.push({
      id: i + 1,
      mapping: map,
      address: map.memoryStart + BigInt(0x100 + 16 * (i % 17)),
      lines: [...inlined, { function: fn, line: 1 + (i % 6), column: i }],
      isFolded: false,
    });
  }
  // The same as 2, 7 and 11 under other ids, and functions copied above in their lines.
  for (const copied of [2, 7, 11]) {
    const original = locations[copied]!;
    locations.push({ ...original, id: locations.length + 1, lines: original.lines.map((line) => ({ ...line, column: 99 })) });
  }
  const samples: Sample[] = [];
  const states = ['running', 'waiting'];
  for (let i = 0; i < 90; i++) {
    const depth = 1 + Math.floor(next() * 7);
    // The last ten locations are reached by no sample.
    const stack = Array.from({ length: depth }, () => locations[Math.floor(next() * (locations.length - 10))]!);
    const count = i % 11 === 0 ? 0 : 1 + Math.floor(next() * 3);
    const labels = [{ key: 'state', str: states[i % 2]!, num: 0, numUnit: '' }];
    if (i % 3 === 0) labels.push({ key: 'bytes', str: '', num: 512 * (1 + (i % 4)), numUnit: 'bytes' });
    samples.push({ locations: stack, values: [count, count * 10_000_000], labels });
    // Now and then the same stack and labels again, in a sample of its own.
    if (i % 8 === 0) samples.push({ locations: [...stack], values: [1, 10_000_000], labels: labels.map((label) => ({ ...label })) });
  }
  // Records listed in another order than the samples first reach them.
  Object.assign(profile, { mappings, functions: functions.reverse(), locations: locations.reverse(), samples });
  return profile;
}

/** A report's text, or the error it ends with (-peek of a function name by files matches nothing). */
function outcome(report: () => string | Uint8Array): string | Uint8Array {
  try {
    return report();
  } catch (error) {
    return `error: ${(error as Error).message}`;
  }
}

const GRANULARITIES = ['functions', 'filefunctions', 'files', 'lines', 'addresses'] as const;
/** The text reports among the summing ones (the images are -dot through Graphviz). */
const TEXT_REPORTS: Report[] = ['top', 'tags', 'list', 'peek', 'tree', 'dot', 'callgrind', 'folded', 'flamegraph'];
const reportArgs = (report: Report): string[] => (report === 'list' || report === 'peek' ? [`-${report}=fn[1-4]`] : [`-${report}`]);

describe('a single profile read for a summing report', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pprof-single-'));
  const path = join(dir, 'awkward.pb.gz');
  writeFileSync(path, encodeProfile(awkwardProfile()));

  it('names only reports that sum samples by what their frames say; -raw, -traces and -proto read the merge', () => {
    expect(REPORTS.filter((report) => !SUMMING_REPORTS.has(report))).toEqual(['traces', 'raw', 'proto']);
  });

  it.each(TEXT_REPORTS)('-%s prints, at every granularity and with -cum, what it prints of the merged profile', async (report) => {
    const quiet = () => {};
    const merged = await readSources([path], undefined, quiet);
    const alone = await readSources([path], undefined, quiet, undefined, report);
    expect(alone.samples.length).toBeGreaterThan(merged.samples.length);
    const symbol = report === 'list' || report === 'peek' ? /fn[1-4]/ : undefined;
    for (const granularity of GRANULARITIES) {
      for (const cum of [false, true]) {
        const settings: Settings = { cum, granularity, nodeCount: 6, filters: {} };
        expect(
          outcome(() => runReport(alone, report, symbol, settings)),
          `-${report} -${granularity}${cum ? ' -cum' : ''}`,
        ).toEqual(outcome(() => runReport(merged, report, symbol, settings)));
      }
    }
  });

  it('is merged after all when two of its mappings would become one, as a merge moves their addresses', () => {
    const twice = [mapping(1, '/bin/app', 0x400000n), mapping(2, '/bin/app', 0x900000n)];
    expect(aloneForSums(awkwardProfile(twice))).toBeUndefined();
    const profile = awkwardProfile();
    const alone = aloneForSums(profile);
    expect(alone).toBe(profile);
    expect(alone!.samples.every((sample) => sample.values.some((value) => value !== 0))).toBe(true);
  });

  const go = goBinary();
  it.skipIf(!go)(
    'prints what go tool pprof prints of the same file, each text report at every granularity',
    () => {
      for (const report of TEXT_REPORTS.filter((name) => name !== 'flamegraph' && name !== 'folded')) {
        for (const granularity of GRANULARITIES) {
          const args = [...reportArgs(report), `-${granularity}`, '-nodecount=8', path];
          const ours = runPprofCommand(args);
          const theirs = spawnSync(go!, ['tool', 'pprof', ...args], { encoding: 'utf8' });
          expect(ours.stdout, `pprof ${args.join(' ')}`).toBe(theirs.stdout);
          // Both refuse alike: -peek of function names by files matches nothing.
          expect(ours.status === 0, `pprof ${args.join(' ')}: ${ours.stderr}`).toBe(theirs.status === 0);
        }
      }
    },
    300_000,
  );
});
