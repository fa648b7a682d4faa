/**
 * How fast npm run pprof reads a large profile against go tool pprof: -top of a profile of
 * 200,000 samples, stacks 64 deep over 50,000 locations (5,000 functions in 200 files), and of
 * a small one (start-up), each command run in turn in fresh processes. Ours runs as npm run
 * pprof does: bin/pprof.mjs, from the bundle it builds once. Both outputs must be the same text.
 *
 *   npm run bench -- pprof-top [--quick]   (--quick: 20,000 samples)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findGo } from '../src/cli/external-tools.ts';
import { writeProfile, type Frame } from '../src/pprof/index.ts';
import { cpuShapedBuilder } from '../test/helpers/profile.ts';
import { median, printTable, progress, random } from './table.ts';

const ROUNDS = 5;
const QUICK_ROUNDS = 2;
const DEPTH = 64;
const LOCATIONS = 50_000;

/** Writes the profile once per size into the temporary directory, and reuses it after. */
function largeProfile(samples: number): string {
  const directory = join(tmpdir(), 'node-pprof-bench');
  mkdirSync(directory, { recursive: true });
  const path = join(directory, `large-${samples}x${DEPTH}.pb.gz`);
  if (existsSync(path)) return path;
  const builder = cpuShapedBuilder({ timeNanos: 1_763_700_000_000_000_000, durationNanos: 60e9, mappingFile: '/srv/large.ts' });
  const frames: Frame[] = Array.from({ length: LOCATIONS }, (_, i) => ({
    name: `fn${i % 5000}`,
    file: `/srv/module${i % 200}.ts`,
    line: 1 + (i % 97),
    functionLine: 1,
  }));
  const next = random(42);
  // Squared, so that some frames are common and the report has a head and a long tail.
  for (let i = 0; i < samples; i++)
    builder.addSample(
      Array.from({ length: DEPTH }, () => frames[Math.floor(next() ** 2 * frames.length)]!),
      [1, 10_000_000],
    );
  writeProfile(path, builder.build());
  return path;
}

function time(command: string, args: string[]): { ms: number; output: string } {
  const start = performance.now();
  const output = execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 2 ** 20 });
  return { ms: performance.now() - start, output };
}

export async function run(options: { quick: boolean }): Promise<void> {
  const GO = findGo();
  if (!GO) {
    console.log('pprof-top: skipped, go tool pprof not found (set GO=/path/to/go)');
    return;
  }
  const samples = options.quick ? 20_000 : 200_000;
  const rounds = options.quick ? QUICK_ROUNDS : ROUNDS;
  console.log(
    `pprof-top: -top -nodecount=20 of ${samples.toLocaleString('en')} samples ${DEPTH} deep over ${LOCATIONS.toLocaleString('en')} locations, and of a small profile;`,
  );
  console.log(`${rounds} rounds, a fresh process per run, median wall time; ratio = ours / go tool pprof`);
  console.log('');
  const profiles = [
    { label: 'large', path: largeProfile(samples) },
    { label: 'small (start-up)', path: largeProfile(100) },
  ];
  const cli = fileURLToPath(new URL('../bin/pprof.mjs', import.meta.url));
  const rows: string[][] = [];
  for (const { label, path } of profiles) {
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let round = 0; round < rounds; round++) {
      progress(label, round, rounds);
      const a = time(process.execPath, [cli, '-top', '-nodecount=20', path]);
      const b = time(GO, ['tool', 'pprof', '-top', '-nodecount=20', path]);
      if (a.output !== b.output)
        throw new Error(`the two -top texts of ${path} differ: compare npm run pprof -- -top -nodecount=20 ${path} with go tool pprof`);
      ours.push(a.ms);
      theirs.push(b.ms);
    }
    progress(label, rounds, rounds);
    rows.push([label, median(ours).toFixed(0), median(theirs).toFixed(0), `${(median(ours) / median(theirs)).toFixed(2)}x`]);
  }
  printTable(['profile', 'ours ms', 'go tool pprof ms', 'ratio'], rows);
  console.log('');
  console.log('target: ours no slower than go tool pprof (ratio at most 1.00x)');
}
