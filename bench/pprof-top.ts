/**
 * How fast npm run pprof reads profiles of several shapes against go tool pprof: -top of
 * profiles of 200,000 samples with few and with many distinct functions, shallow, deep and of
 * varied depths, and of a small one (start-up), each command run in turn in fresh processes.
 * Ours runs as npm run pprof does: bin/pprof.mjs, from the bundle it builds once. Both outputs
 * must be the same text.
 *
 *   npm run bench -- pprof-top [--quick]   (--quick: a tenth of the samples, 2 rounds; the small one 20 either way)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findGo } from '../src/cli/external-tools.ts';
import { emptyProfile, writeProfile, type Location, type Mapping, type ProfileFunction, type Sample } from '../src/pprof/index.ts';
import { median, printTable, progress, random } from './table.ts';

const ROUNDS = 5;
const QUICK_ROUNDS = 2;
/** A small profile's -top takes a tenth of a second, CPU time is counted in ticks of 10 ms: many runs make it exact. */
const START_UP_ROUNDS = 20;
const SAMPLES = 200_000;

/**
 * A profile's shape. Every sample's stack draws its frames from `locations` locations spread
 * over `functions` functions (a function has locations at several lines when there are more
 * locations than functions). `depth` is a stack's depth, or with `maxDepth` the least of a
 * range that most stacks are near the bottom of. The draws are squared, so some frames are
 * common and the report has a head and a long tail.
 */
interface Shape {
  label: string;
  samples: number;
  functions: number;
  locations: number;
  depth: number;
  maxDepth?: number;
  /** Runs of each command, when not the bench's: a start-up is short, and its time in 10 ms ticks. */
  rounds?: number;
}

function shapes(quick: boolean): Shape[] {
  const samples = quick ? SAMPLES / 10 : SAMPLES;
  return [
    { label: '500 functions, 8 deep', samples, functions: 500, locations: 50_000, depth: 8 },
    { label: '500 functions, 64 deep', samples, functions: 500, locations: 50_000, depth: 64 },
    { label: '5,000 functions, 64 deep', samples, functions: 5_000, locations: 50_000, depth: 64 },
    { label: '200,000 functions, 8 deep', samples, functions: 200_000, locations: 200_000, depth: 8 },
    { label: '200,000 functions, 64 deep', samples, functions: 200_000, locations: 200_000, depth: 64 },
    { label: '200,000 functions, 1-512 deep', samples, functions: 200_000, locations: 200_000, depth: 1, maxDepth: 512 },
    // As many frames in all as 64 deep: 200,000 stacks 512 deep would be a profile of 300 MB.
    { label: '5,000 functions, 512 deep', samples: samples / 8, functions: 5_000, locations: 50_000, depth: 512 },
    { label: 'small (start-up)', samples: 100, functions: 5_000, locations: 50_000, depth: 64, rounds: START_UP_ROUNDS },
  ];
}

const shapeName = (shape: Shape) => `${shape.samples}s-${shape.functions}f-${shape.locations}l-${shape.depth}${shape.maxDepth ? `to${shape.maxDepth}` : ''}d`;

/** Writes each shape's profile once into the temporary directory, and reuses it after. */
function profileOf(shape: Shape): string {
  const directory = join(tmpdir(), 'node-pprof-bench');
  mkdirSync(directory, { recursive: true });
  const path = join(directory, `top-${shapeName(shape)}.pb.gz`);
  if (existsSync(path)) return path;
  const profile = emptyProfile([
    { type: 'samples', unit: 'count' },
    { type: 'cpu', unit: 'nanoseconds' },
  ]);
  Object.assign(profile, { periodType: { type: 'cpu', unit: 'nanoseconds' }, period: 10_000_000, timeNanos: 1_763_700_000_000_000_000n, durationNanos: 60e9 });
  const mapping: Mapping = {
    id: 1,
    memoryStart: 0n,
    memoryLimit: 0n,
    fileOffset: 0n,
    filename: '/srv/large.ts',
    buildId: '',
    hasFunctions: true,
    hasFilenames: true,
    hasLineNumbers: true,
    hasInlineFrames: false,
  };
  const files = Math.max(200, Math.ceil(shape.functions / 25));
  const functions: ProfileFunction[] = Array.from({ length: shape.functions }, (_, i) => ({
    id: i + 1,
    name: `fn${i}`,
    systemName: `fn${i}`,
    filename: `/srv/module${i % files}.ts`,
    startLine: 1,
  }));
  const locations: Location[] = Array.from({ length: shape.locations }, (_, i) => ({
    id: i + 1,
    mapping,
    address: 0n,
    lines: [{ function: functions[i % shape.functions]!, line: 1 + (i % 97), column: 0 }],
    isFolded: false,
  }));
  const next = random(42);
  const samples: Sample[] = [];
  for (let i = 0; i < shape.samples; i++) {
    const depth = shape.maxDepth ? shape.depth + Math.floor(next() ** 3 * (shape.maxDepth - shape.depth + 1)) : shape.depth;
    const stack = Array.from({ length: depth }, () => locations[Math.floor(next() ** 2 * locations.length)]!);
    samples.push({ locations: stack, values: [1, 10_000_000], labels: [] });
  }
  // Only what the samples reach, as a profiler writes it.
  const used = new Set(samples.flatMap((sample) => sample.locations));
  const usedLocations = locations.filter((location) => used.has(location));
  const usedFunctions = new Set(usedLocations.map((location) => location.lines[0]!.function));
  Object.assign(profile, { mappings: [mapping], functions: functions.filter((fn) => usedFunctions.has(fn)), locations: usedLocations, samples });
  writeProfile(path, profile);
  return path;
}

/**
 * The CPU time of this process's waited-for children so far, in ms, where Linux tells it
 * (/proc/self/stat: cutime and cstime, in clock ticks of 10 ms); else undefined. On a machine
 * shared with other work it varies far less than the wall time.
 */
function childrenCpuMs(): number | undefined {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8')
      .replace(/^.*\) /s, '')
      .split(' ');
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return undefined;
  }
}

function time(command: string, args: string[]): { ms: number; cpuMs: number | undefined; output: string } {
  const cpuBefore = childrenCpuMs();
  const start = performance.now();
  const output = execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 2 ** 20 });
  const ms = performance.now() - start;
  const cpuAfter = childrenCpuMs();
  return { ms, cpuMs: cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore, output };
}

// The mean, not the median: each run's CPU time is a whole number of 10 ms ticks, their sum is exact to a tick.
const meanCpu = (values: (number | undefined)[]) =>
  values.some((value) => value === undefined) ? Number.NaN : (values as number[]).reduce((sum, value) => sum + value, 0) / values.length;
const cpuText = (values: (number | undefined)[]) => (Number.isNaN(meanCpu(values)) ? '-' : meanCpu(values).toFixed(0));
const ratioText = (ours: number, theirs: number) => (Number.isFinite(ours / theirs) ? `${(ours / theirs).toFixed(2)}x` : '-');

export async function run(options: { quick: boolean }): Promise<void> {
  const GO = findGo();
  if (!GO) {
    console.log('pprof-top: skipped, go tool pprof not found (set GO=/path/to/go)');
    return;
  }
  const benchRounds = options.quick ? QUICK_ROUNDS : ROUNDS;
  const all = shapes(options.quick);
  console.log('pprof-top: -top -nodecount=20 of profiles of several shapes (frames drawn at random from the locations), and of a small one;');
  console.log(
    `${benchRounds} rounds (the small one ${START_UP_ROUNDS}), a fresh process per run, median wall and mean CPU time (user + system); ratio = ours / go tool pprof`,
  );
  console.log('');
  const cli = fileURLToPath(new URL('../bin/pprof.mjs', import.meta.url));
  const rows: string[][] = [];
  for (const shape of all) {
    const rounds = shape.rounds ?? benchRounds;
    progress(shape.label, 0, rounds);
    const path = profileOf(shape);
    const ours: number[] = [];
    const theirs: number[] = [];
    const oursCpu: (number | undefined)[] = [];
    const theirsCpu: (number | undefined)[] = [];
    for (let round = 0; round < rounds; round++) {
      progress(shape.label, round, rounds);
      const a = time(process.execPath, [cli, '-top', '-nodecount=20', path]);
      const b = time(GO, ['tool', 'pprof', '-top', '-nodecount=20', path]);
      if (a.output !== b.output)
        throw new Error(`the two -top texts of ${path} differ: compare npm run pprof -- -top -nodecount=20 ${path} with go tool pprof`);
      ours.push(a.ms);
      theirs.push(b.ms);
      oursCpu.push(a.cpuMs);
      theirsCpu.push(b.cpuMs);
    }
    progress(shape.label, rounds, rounds);
    rows.push([
      shape.label,
      shape.samples.toLocaleString('en'),
      median(ours).toFixed(0),
      median(theirs).toFixed(0),
      ratioText(median(ours), median(theirs)),
      cpuText(oursCpu),
      cpuText(theirsCpu),
      ratioText(meanCpu(oursCpu), meanCpu(theirsCpu)),
    ]);
  }
  printTable(['profile', 'samples', 'ours ms', 'go ms', 'ratio', 'ours cpu ms', 'go cpu ms', 'cpu ratio'], rows);
  console.log('');
  console.log('target: ours no slower than go tool pprof on the large profiles (ratio at most 1.00x), and within 2x of it on the small one');
}
