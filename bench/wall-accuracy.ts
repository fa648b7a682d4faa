/**
 * How true a wall profile is: loops of the canonical shape (await a request, hash on the CPU,
 * await a sleep) in several proportions profile themselves for 6 s at the default 99 Hz and time
 * each step with performance.now. Each step's share of the window in the profile beside its
 * share by the program's own clock, and what running plus waiting adds up to; each loop once on
 * the machine as it is and once with a CPU hog busy on every core.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { typescriptNodeFlags } from '../src/loader/node-flags.ts';
import { decodeProfile } from '../src/pprof/index.ts';
import { startCpuHogs } from '../test/helpers/cpu-hog.ts';
import { printTable, progress } from './table.ts';

const SECONDS = 6;
const QUICK_SECONDS = 2;
/** Milliseconds of request, CPU work and sleep per round. */
const MIXES = ['60,30,10', '20,60,20', '10,30,60'];
const STEPS = ['slowNetworkRequest', 'cpuIntensiveTask', 'weirdFunction'] as const;

const program = fileURLToPath(new URL('../test/fixtures/wall/canonical-loop.ts', import.meta.url));

interface Measured {
  windowMs: number;
  measuredMs: Record<(typeof STEPS)[number], number>;
}

/**
 * Each step's share of the window in the profile, running + waiting over the window, and the
 * part of it that ran where V8 took no sample and no run like it was sampled (`(unsampled)`, no step's).
 */
function profiled(path: string): { shares: Record<string, number>; coverage: number; unsampled: number } {
  const profile = decodeProfile(readFileSync(path));
  const window = profile.durationNanos;
  const cumulative: Record<string, number> = {};
  let total = 0;
  for (const sample of profile.samples) {
    const nanos = sample.values[1] ?? 0;
    total += nanos;
    for (const name of new Set(sample.locations.map((location) => location.lines[0]?.function.name ?? ''))) cumulative[name] = (cumulative[name] ?? 0) + nanos;
  }
  return {
    shares: Object.fromEntries(STEPS.map((step) => [step, (cumulative[step] ?? 0) / window])),
    coverage: total / window,
    unsampled: (cumulative['(unsampled)'] ?? 0) / window,
  };
}

export async function run(options: { quick: boolean }): Promise<void> {
  const seconds = options.quick ? QUICK_SECONDS : SECONDS;
  const cores = availableParallelism();
  console.log(`wall-accuracy: loops of the canonical shape for ${seconds} s each, profiling themselves at 99 Hz and timing each step:`);
  console.log(`node --import ./src/loader/register.mjs test/fixtures/wall/canonical-loop.ts wall ${seconds} out.pb.gz REQUEST,CPU,SLEEP`);
  console.log(`load: the machine as it is, or with ${cores} busy processes (one per core) besides`);
  console.log("share: the step's part of the window, in the profile / by the program's own clock; target within 2 points, running+waiting within 3%");
  console.log('');
  const directory = mkdtempSync(join(tmpdir(), 'wall-accuracy-'));
  const rows: string[][] = [];
  const runs = MIXES.flatMap((mix) => [false, true].map((contended) => ({ mix, contended })));
  try {
    for (const [i, { mix, contended }] of runs.entries()) {
      progress('run', i, runs.length);
      const output = join(directory, `${i}.pb.gz`);
      // What else ran: on a shared machine, "as is" is not idle. Read before the hogs start.
      const loadBefore = loadavg()[0]!;
      const hogs = contended ? await startCpuHogs(cores) : undefined;
      let stdout: string;
      try {
        stdout = execFileSync(process.execPath, [...typescriptNodeFlags(), program, 'wall', String(seconds), output, mix], { encoding: 'utf8' });
      } finally {
        await hogs?.stop();
      }
      const measured = JSON.parse(stdout) as Measured;
      const { shares, coverage, unsampled } = profiled(output);
      const timed = (step: (typeof STEPS)[number]) => measured.measuredMs[step] / measured.windowMs;
      const cells = STEPS.map((step) => `${(100 * shares[step]!).toFixed(1)}% / ${(100 * timed(step)).toFixed(1)}%`);
      const worst = Math.max(...STEPS.map((step) => Math.abs(shares[step]! - timed(step))));
      rows.push([
        mix.replaceAll(',', '/'),
        contended ? `+${cores} hogs` : 'as is',
        loadBefore.toFixed(1),
        ...cells,
        (100 * worst).toFixed(1),
        `${(100 * coverage).toFixed(1)}%`,
        `${(100 * unsampled).toFixed(1)}%`,
      ]);
    }
    progress('run', runs.length, runs.length);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  printTable(['ms per round', 'load', 'load avg', 'request', 'CPU', 'sleep', 'worst, points', 'running+waiting', 'unsampled'], rows);
  console.log(`load avg: the machine's 1-minute load average as the run started, before its hogs, on ${cores} cores`);
  console.log("unsampled: running time V8 took no sample of, nor of a run between the same two awaits: (unsampled) in the profile, no step's");
}
